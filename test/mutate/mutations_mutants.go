package main

// Files that the mutations which moved into the shared driver, and forgemetrics' own mutations,
// edit, beyond those the other catalogue files declare.
const (
	driveGo       = "internal/window/drive.go"
	sinkGo        = "internal/poller/sink.go"
	selfmetricsGo = "internal/selfmetrics/selfmetrics.go"
)
