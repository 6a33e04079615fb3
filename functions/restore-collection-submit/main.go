// Command restore-collection-submit is the Lambda that submits a collection's async Solr RESTORE: handler.Restore.CollectionSubmit.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	rt, err := handler.Boot(context.Background(), "restore-collection-submit", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(rt.Restore().CollectionSubmit)
}
