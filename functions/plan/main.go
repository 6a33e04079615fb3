// Command plan is the Lambda that checks the store, Kerberos, Solr and HBase, and stores the plan: handler.Backup.Plan.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	ctx := context.Background()
	rt, err := handler.Boot(ctx, "plan", os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	h, err := rt.Backup(ctx)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.Plan)
}
