package discovery

import (
	"errors"
	"fmt"
)

// The refusals of an app entry's choice between listed and discovered environments, the same in
// every receiver.
var (
	ErrNoEnvironments  = errors.New(`"environments" must list at least one environment (leave the key out to discover them)`)
	ErrEnvironmentType = errors.New(`"environment_types" has an unknown type (want DEVELOPMENT, STAGING or PRODUCTION)`)
	ErrTypesWithListed = errors.New(`"environment_types" applies only to an app whose "environments" are discovered; leave one of them out`)
	ErrDiscoveredTwice = errors.New(`"app_id" of an app whose environments are discovered may appear in one entry only`)
)

// ValidateEntry checks the app entry at where (such as "apps[2]"): discovers is whether it leaves
// "environments" out, listed how many it lists, types its environment_types, entries how many
// entries name the same app.
func ValidateEntry(where string, discovers bool, listed int, types []string, entries int) []error {
	var errs []error
	switch {
	case !discovers && listed == 0:
		errs = append(errs, fmt.Errorf("%s.environments: %w", where, ErrNoEnvironments))
	case !discovers && len(types) > 0:
		errs = append(errs, fmt.Errorf("%s.environment_types: %w", where, ErrTypesWithListed))
	case discovers && entries > 1:
		errs = append(errs, fmt.Errorf("%s.app_id: %w", where, ErrDiscoveredTwice))
	}
	for j, t := range types {
		if !ValidType(t) {
			errs = append(errs, fmt.Errorf("%s.environment_types[%d]: %w, got %q", where, j, ErrEnvironmentType, t))
		}
	}
	return errs
}
