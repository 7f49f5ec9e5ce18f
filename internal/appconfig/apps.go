// Package appconfig is the "apps" block of the receivers that read all of an app's environments
// together (forgemetrics, forgeusage): the entry, its validation, and the merge of an app's entries.
package appconfig // import "github.com/forgelogs/otelcol-forge/internal/appconfig"

import (
	"errors"
	"fmt"
	"slices"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
)

// App selects one Forge app.
type App struct {
	// AppID is the app's id, bare or as its ARI (ari:cloud:ecosystem::app/<id>).
	AppID       string `mapstructure:"app_id"`
	ServiceName string `mapstructure:"service_name"`
	// Environments lists the environments to read; left out (nil), they are discovered. An empty
	// list is an error, not a request for discovery.
	Environments []Environment `mapstructure:"environments"`
	// EnvironmentTypes selects discovered environments by type; empty selects all.
	EnvironmentTypes []string `mapstructure:"environment_types"`
}

// Environment is one environment of an app.
type Environment struct {
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
}

// The refusals of an "apps" block, each naming its key.
var (
	ErrNoApps               = errors.New(`"apps" must list at least one app`)
	ErrAppID                = errors.New(`"app_id" must be set`)
	ErrServiceNameDiffers   = errors.New(`"service_name" differs between the entries of app`)
	ErrEnvironmentID        = errors.New(`"environments[].id" must be set`)
	ErrDuplicateEnvironment = errors.New(`duplicate environment id`)
)

// Validate reports every problem of apps.
func Validate(apps []App) []error {
	if len(apps) == 0 {
		return []error{ErrNoApps}
	}
	var errs []error
	first := map[string]int{} // bare app id -> its first entry
	envs := map[[2]string]bool{}
	entries := map[string]int{}
	for _, app := range apps {
		entries[app.ID()]++
	}
	for i, app := range apps {
		where := fmt.Sprintf("apps[%d]", i)
		id := app.ID()
		if id == "" { // an ARI without its id counts as none
			errs = append(errs, fmt.Errorf("%s: %w", where, ErrAppID))
		} else if j, listed := first[id]; !listed {
			first[id] = i
		} else if other := apps[j].ServiceName; app.ServiceName != other {
			// The entries of one app are read together, and their data has one service.name.
			errs = append(errs, fmt.Errorf("%s.service_name: %w %q: %q here, %q in apps[%d]", where, ErrServiceNameDiffers, id, app.ServiceName, other, j))
		}
		errs = append(errs, discovery.ValidateEntry(where, app.Discovers(), len(app.Environments), app.EnvironmentTypes, entries[id])...)
		for j, env := range app.Environments {
			switch key := [2]string{id, env.ID}; {
			case env.ID == "":
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w", where, j, ErrEnvironmentID))
			case envs[key]:
				errs = append(errs, fmt.Errorf("%s.environments[%d]: %w %q of app %q", where, j, ErrDuplicateEnvironment, env.ID, id))
			default:
				envs[key] = true
			}
		}
	}
	return errs
}

// Merge lists one entry per app, in the order of their first entries, with the environments of
// every entry of the app (by its bare id or its ARI): they are read together, as the APIs count
// calls per account, not per environment.
func Merge(apps []App) []App {
	var out []App
	at := map[string]int{}
	for _, app := range apps {
		id := app.ID()
		if i, listed := at[id]; listed {
			out[i].Environments = append(out[i].Environments, app.Environments...)
			continue
		}
		at[id] = len(out)
		app.Environments = slices.Clone(app.Environments)
		out = append(out, app)
	}
	return out
}

// ID is the app's bare id, whether app_id was given bare or as the app's ARI.
func (app App) ID() string { return apiconfig.BareAppID(app.AppID) }

// Discovers reports whether the app's environments are discovered: its entry has no
// "environments" key at all.
func (app App) Discovers() bool { return app.Environments == nil }

// ResourceServiceName is the resource service.name of the app's data: service_name, or the id.
func (app App) ResourceServiceName() string {
	if app.ServiceName != "" {
		return app.ServiceName
	}
	return app.ID()
}
