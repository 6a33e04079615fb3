// Command restore-collection-check is the Lambda that compares a restored collection with the manifest: handler.Restore.CollectionCheck.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-collection-check", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().CollectionCheck)
}
