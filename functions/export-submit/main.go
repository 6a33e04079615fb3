// Command export-submit is the Lambda that submits one table's HBase Export: handler.Backup.ExportSubmit.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	ctx := context.Background()
	rt, err := handler.Boot(ctx, "export-submit", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	h, err := rt.Backup(ctx)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.ExportSubmit)
}
