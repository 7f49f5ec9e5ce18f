package checkpoint

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// Open returns the store a receiver keeps its checkpoints in: the storage extension named
// storageID, or memory with a warning when there is none. client, when not nil, must be closed
// at shutdown.
func Open(ctx context.Context, host component.Host, storageID *component.ID, receiverID component.ID, logger *zap.Logger) (store Store, client storage.Client, err error) {
	if storageID == nil {
		logger.Warn("No storage configured: progress is kept in memory only, and a restart reads again from initial_lookback. Set \"storage\" to a storage extension such as file_storage.")
		return NewMemoryStore(), nil, nil
	}
	ext, ok := host.GetExtensions()[*storageID]
	if !ok {
		return nil, nil, fmt.Errorf("storage: extension %q not found", storageID)
	}
	storageExt, ok := ext.(storage.Extension)
	if !ok {
		return nil, nil, fmt.Errorf("storage: extension %q is not a storage extension", storageID)
	}
	client, err = storageExt.GetClient(ctx, component.KindReceiver, receiverID, "")
	if err != nil {
		return nil, nil, fmt.Errorf("storage: get client of %q: %w", storageID, err)
	}
	return NewStorageStore(client), client, nil
}
