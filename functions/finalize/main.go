// Command finalize is the Lambda that writes the manifest last (FAILED with the caught error on the Catch path): handler.Backup.Finalize.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	ctx := context.Background()
	rt, err := handler.Boot(ctx, "finalize", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	h, err := rt.Backup(ctx)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.Finalize)
}
