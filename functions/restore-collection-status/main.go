// Command restore-collection-status is the Lambda that checks a Solr RESTORE once: handler.Restore.CollectionStatus.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-collection-status", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().CollectionStatus)
}
