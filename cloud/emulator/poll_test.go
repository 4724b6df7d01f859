package emulator_test

import (
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

func pollOpts() runtime.PollUntilDoneOptions {
	return runtime.PollUntilDoneOptions{Frequency: time.Second}
}
