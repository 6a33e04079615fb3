// Command restore-table-status is the Lambda that checks an Import or a check export once: handler.Restore.TableJobStatus.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-table-status", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().TableJobStatus)
}
