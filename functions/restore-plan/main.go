// Command restore-plan is the Lambda that reads the manifest, looks at every server without changing anything, and stores the restore plan: handler.Restore.Plan.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-plan", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().Plan)
}
