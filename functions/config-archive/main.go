// Command config-archive is the Lambda that archives the Atlas config folder (through the host agent when configured): handler.Backup.ConfigArchive.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	ctx := context.Background()
	rt, err := handler.Boot(ctx, "config-archive", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	h, err := rt.Backup(ctx)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.ConfigArchive)
}
