// Package receiverharness is what the receivers' tests share to run a receiver as the collector
// does: the simulator on loopback, a storage host, the receiver made by its factory and started
// on a fake clock that moves only when the test says where to stop, a scripted pipeline, the
// settings that observe self-metrics and logs, and readers of what was delivered.
//
// It is imported by _test.go files only, and imports no receiver: each receiver's tests pass
// their factory, configuration and the one line that puts their receiver on the fake clock.
package receiverharness // import "github.com/forgelogs/otelcol-forge/internal/receiverharness"
