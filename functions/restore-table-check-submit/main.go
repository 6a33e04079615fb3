// Command restore-table-check-submit is the Lambda that reads a finished Import and submits the check export of the restored table: handler.Restore.TableCheckSubmit.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-table-check-submit", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().TableCheckSubmit)
}
