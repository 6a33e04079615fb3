// Command start is the target of the schedule and the request rules: it starts the
// backup state machine with the backup id as the execution name (handler.Start).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/atlas-backup/atlas-backup/shared/handler"
)

func main() {
	h, err := handler.BootStart(context.Background(), os.Getenv)
	if err != nil {
		lambda.Start(handler.Broken(err))
		return
	}
	lambda.Start(h.Handle)
}
