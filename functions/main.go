// Command functions is the one bootstrap of every Lambda function of template.yaml: the
// runtime passes the function's Handler (plan, export-submit, restore-fetch, ...) as
// _HANDLER, and handler.Dispatch builds that function's step handler
// (shared/handler/dispatch.go lists them all).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	lambda.Start(handler.Dispatch(context.Background(), os.Getenv))
}
