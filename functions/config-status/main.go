// Command config-status is the Lambda that checks the host agent's config archive once: handler.Backup.ConfigStatus.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	ctx := context.Background()
	rt, err := handler.Boot(ctx, "config-status", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	h, err := rt.Backup(ctx)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.ConfigStatus)
}
