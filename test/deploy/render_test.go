//go:build helm

package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The objects of the chart that the checks read, reduced to the fields they need.
type (
	object struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		node yaml.Node
	}

	statefulSet struct {
		Spec struct {
			Replicas             int `yaml:"replicas"`
			VolumeClaimTemplates []struct {
				Metadata struct {
					Name string `yaml:"name"`
				} `yaml:"metadata"`
			} `yaml:"volumeClaimTemplates"`
			Template struct {
				Spec struct {
					SecurityContext struct {
						RunAsUser int `yaml:"runAsUser"`
						FSGroup   int `yaml:"fsGroup"`
					} `yaml:"securityContext"`
					Containers []container `yaml:"containers"`
					Volumes    []struct {
						Name   string `yaml:"name"`
						Secret *struct {
							SecretName string `yaml:"secretName"`
							Items      []struct {
								Key  string `yaml:"key"`
								Path string `yaml:"path"`
							} `yaml:"items"`
						} `yaml:"secret"`
					} `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}

	container struct {
		Image        string   `yaml:"image"`
		Command      []string `yaml:"command"`
		Args         []string `yaml:"args"`
		Env          []envVar `yaml:"env"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
			SubPath   string `yaml:"subPath"`
		} `yaml:"volumeMounts"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		ReadinessProbe struct {
			HTTPGet struct {
				Port int `yaml:"port"`
			} `yaml:"httpGet"`
		} `yaml:"readinessProbe"`
	}

	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom struct {
			SecretKeyRef *struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
			FieldRef *struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	}

	service struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Name       string `yaml:"name"`
				TargetPort int    `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}

	serviceMonitor struct {
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Endpoints []struct {
				Port string `yaml:"port"`
			} `yaml:"endpoints"`
		} `yaml:"spec"`
	}
)

// render runs `helm template` of the upstream chart with deploy/helm/values.yaml and extra flags.
func render(t *testing.T, flags ...string) []object {
	t.Helper()
	helm, chart := os.Getenv("HELM"), os.Getenv("CHART")
	require.True(t, helm != "" && chart != "", "HELM and CHART are not set: run make deploy-check")
	args := append([]string{"template", "forge", chart, "--namespace", "forge", "-f", filepath.Join("..", "..", "deploy", "helm", "values.yaml")}, flags...)
	out, err := exec.Command(helm, args...).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		t.Fatalf("helm %v: %v\n%s", args, err, exit.Stderr)
	}
	require.NoError(t, err)

	var objects []object
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o object
		if err := dec.Decode(&o.node); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		if o.node.Kind == 0 {
			continue // an empty document
		}
		require.NoError(t, o.node.Decode(&o))
		objects = append(objects, o)
	}
	return objects
}

func only(t *testing.T, objects []object, kind string, into any) object {
	t.Helper()
	var found []object
	for _, o := range objects {
		if o.Kind == kind {
			found = append(found, o)
		}
	}
	require.Lenf(t, found, 1, "one %s", kind)
	if into != nil {
		require.NoError(t, found[0].node.Decode(into))
	}
	return found[0]
}

func kinds(objects []object) []string {
	var out []string
	for _, o := range objects {
		out = append(out, o.Kind)
	}
	return out
}

// collectorConfig returns the collector configuration the chart's ConfigMap holds.
func collectorConfig(t *testing.T, objects []object) (string, map[string]any) {
	t.Helper()
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	only(t, objects, "ConfigMap", &cm)
	relay := cm.Data["relay"]
	require.NotEmpty(t, relay, "the ConfigMap holds relay")
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(relay), &cfg))
	return relay, cfg
}

func theContainer(t *testing.T, objects []object) (statefulSet, container) {
	t.Helper()
	var sts statefulSet
	only(t, objects, "StatefulSet", &sts)
	require.Len(t, sts.Spec.Template.Spec.Containers, 1)
	return sts, sts.Spec.Template.Spec.Containers[0]
}

// The default render: what `helm install` with deploy/helm/values.yaml gives a cluster.
func TestHelmRender(t *testing.T) {
	objects := render(t)
	_, cfg := collectorConfig(t, objects)
	sts, c := theContainer(t, objects)

	t.Run("a StatefulSet only, and no Prometheus Operator objects until enabled", func(t *testing.T) {
		assert.NotContains(t, kinds(objects), "Deployment")
		assert.NotContains(t, kinds(objects), "DaemonSet")
		assert.NotContains(t, kinds(objects), "PrometheusRule", "a cluster without the operator's CRDs would refuse it")
		assert.NotContains(t, kinds(objects), "ServiceMonitor", "a cluster without the operator's CRDs would refuse it")
		assert.Equal(t, 1, sts.Spec.Replicas, "each app is polled by exactly one replica")
	})

	t.Run("the image's binary runs the ConfigMap's config", func(t *testing.T) {
		assert.Equal(t, []string{binaryInImage}, c.Command)
		assert.Contains(t, c.Args, "--config=/conf/relay.yaml")
		assert.NotEmpty(t, c.Image)
	})

	t.Run("file_storage writes to the claimed volume", func(t *testing.T) {
		require.Len(t, sts.Spec.VolumeClaimTemplates, 1)
		claim := sts.Spec.VolumeClaimTemplates[0].Metadata.Name
		mounts := map[string]string{}
		for _, m := range c.VolumeMounts {
			mounts[m.Name] = m.MountPath
		}
		storages := 0
		for name, ext := range cfg["extensions"].(map[string]any) {
			if !strings.HasPrefix(name, "file_storage") {
				continue
			}
			storages++
			dir := ext.(map[string]any)["directory"]
			assert.Equalf(t, mounts[claim], dir, "%s writes where the volume claim %s is mounted", name, claim)
		}
		assert.Equal(t, 1, storages, "one file_storage extension")
		assert.Equal(t, storageDir, mounts[claim], "the image's volume")
		assert.Equal(t, 65532, sts.Spec.Template.Spec.SecurityContext.FSGroup, "the image's user can write the volume")
		extensions := cfg["service"].(map[string]any)["extensions"]
		for receiver := range forgeReceivers {
			storage, _ := cfg["receivers"].(map[string]any)[receiver].(map[string]any)["storage"].(string)
			assert.Truef(t, strings.HasPrefix(storage, "file_storage"), "%s keeps its checkpoints in file_storage, not in memory", receiver)
			assert.Containsf(t, extensions, storage, "the storage of %s is enabled", receiver)
		}
	})

	t.Run("credentials come from a Secret", func(t *testing.T) {
		env := map[string]envVar{}
		for _, e := range c.Env {
			env[e.Name] = e
		}
		for receiver := range forgeReceivers {
			rcfg := cfg["receivers"].(map[string]any)[receiver].(map[string]any)
			if _, ok := rcfg["auth"]; ok {
				credentialsFileFromASecret(t, cfg, receiver, sts, c)
				continue
			}
			for _, key := range []string{"api_token", "email"} {
				value, _ := rcfg[key].(string)
				ref := regexp.MustCompile(`^\$\{env:(\w+)\}$`).FindStringSubmatch(value)
				require.NotNilf(t, ref, "%s of %s is read from the environment", key, receiver)
				e, ok := env[ref[1]]
				require.Truef(t, ok, "the container sets %s", ref[1])
				assert.Emptyf(t, e.Value, "%s is not written into the values", ref[1])
				assert.NotNilf(t, e.ValueFrom.SecretKeyRef, "%s comes from a Secret", ref[1])
			}
		}
	})

	t.Run("the pod sets every variable the config reads", func(t *testing.T) {
		relay, _ := collectorConfig(t, objects)
		set := map[string]bool{}
		for _, e := range c.Env {
			set[e.Name] = true
		}
		// An unset ${env:X} without a :- default becomes an empty string, not an error.
		for _, ref := range regexp.MustCompile(`\$\{env:(\w+)(:-[^}]*)?\}`).FindAllStringSubmatch(relay, -1) {
			assert.Truef(t, set[ref[1]] || ref[2] != "", "the config reads %s, which the pod does not set", ref[1])
		}
	})

	t.Run("only the forgelogs, forgemetrics and forgeusage receivers and their pipelines are left", func(t *testing.T) {
		var receivers []string
		for name := range cfg["receivers"].(map[string]any) {
			receivers = append(receivers, name)
		}
		assert.ElementsMatch(t, []string{"forgelogs", "forgemetrics", "forgeusage"}, receivers, "the chart's default receivers are removed")
		pipelines := cfg["service"].(map[string]any)["pipelines"].(map[string]any)
		assert.Len(t, pipelines, len(forgeReceivers))
		logs, _ := pipelines["logs"].(map[string]any)
		require.NotNil(t, logs, "the logs pipeline")
		for receiver, name := range forgeReceivers {
			pipeline, _ := pipelines[name].(map[string]any)
			require.NotNilf(t, pipeline, "the %s pipeline", name)
			assert.Equalf(t, []any{receiver}, pipeline["receivers"], "the %s pipeline reads %s", name, receiver)
			assert.Equalf(t, logs["exporters"], pipeline["exporters"], "the %s pipeline sends where the logs go", name)
		}
	})

	t.Run("the probes and the metrics port reach the collector", func(t *testing.T) {
		service := cfg["service"].(map[string]any)
		assert.Contains(t, service["extensions"], "health_check", "the chart's probes need it")
		health := cfg["extensions"].(map[string]any)["health_check"].(map[string]any)["endpoint"].(string)
		assert.True(t, strings.HasSuffix(health, ":"+strconv.Itoa(c.ReadinessProbe.HTTPGet.Port)), "health_check listens where the probes ask")

		readers := service["telemetry"].(map[string]any)["metrics"].(map[string]any)["readers"].([]any)
		require.Len(t, readers, 1)
		prom := readers[0].(map[string]any)["pull"].(map[string]any)["exporter"].(map[string]any)["prometheus"].(map[string]any)
		metricsPort := 0
		for _, p := range c.Ports {
			if p.Name == "metrics" {
				metricsPort = p.ContainerPort
			}
		}
		assert.Equal(t, prom["port"], metricsPort, "the container's metrics port is the telemetry endpoint")
	})

	t.Run("the collector accepts the rendered config", func(t *testing.T) {
		relay, _ := collectorConfig(t, objects)
		validateWithContainerEnv(t, relay, c)
	})
}

// The Prometheus Operator objects, enabled as a cluster that runs the operator would.
func TestHelmRenderWithPrometheusOperator(t *testing.T) {
	objects := render(t, "--set", "prometheusRule.enabled=true", "--set", "serviceMonitor.enabled=true")

	t.Run("the PrometheusRule holds alerts.yaml", func(t *testing.T) {
		var rule struct {
			Spec struct {
				Groups any `yaml:"groups"`
			} `yaml:"spec"`
		}
		only(t, objects, "PrometheusRule", &rule)
		data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yaml"))
		require.NoError(t, err)
		var alerts struct {
			Groups any `yaml:"groups"`
		}
		require.NoError(t, yaml.Unmarshal(data, &alerts))
		assert.Equal(t, alerts.Groups, rule.Spec.Groups, "prometheusRule.groups in the Helm values is a copy of deploy/prometheus/alerts.yaml")
	})

	t.Run("the ServiceMonitor scrapes the collector's metrics port", func(t *testing.T) {
		var sm serviceMonitor
		only(t, objects, "ServiceMonitor", &sm)
		require.Len(t, sm.Spec.Endpoints, 1)
		_, c := theContainer(t, objects)
		var svc service
		svcObject := only(t, objects, "Service", &svc)
		for k, v := range sm.Spec.Selector.MatchLabels {
			assert.Equalf(t, v, svcObject.Metadata.Labels[k], "the ServiceMonitor selects the Service by %s", k)
		}
		target := 0
		for _, p := range svc.Spec.Ports {
			if p.Name == sm.Spec.Endpoints[0].Port {
				target = p.TargetPort
			}
		}
		var containerPort int
		for _, p := range c.Ports {
			if p.Name == "metrics" {
				containerPort = p.ContainerPort
			}
		}
		assert.NotZero(t, target, "the Service has the port the ServiceMonitor scrapes")
		assert.Equal(t, containerPort, target, "the Service sends it to the container's metrics port")
	})
}

// validateWithContainerEnv runs `otelcol-forge validate` on config with every variable the
// container sets, and only those: a variable the config reads but the pod lacks fails here.
func validateWithContainerEnv(t *testing.T, config string, c container) {
	t.Helper()
	bin := filepath.Join("..", "..", "bin", "otelcol-forge")
	_, err := os.Stat(bin)
	require.NoError(t, err, "build the collector first: make build")
	path := filepath.Join(t.TempDir(), "relay.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))

	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		value := e.Value
		switch {
		case e.ValueFrom.SecretKeyRef != nil:
			value = "placeholder-" + e.ValueFrom.SecretKeyRef.Key
		case e.ValueFrom.FieldRef != nil && strings.HasSuffix(e.ValueFrom.FieldRef.FieldPath, "IP"):
			value = "127.0.0.1"
		case e.ValueFrom.FieldRef != nil:
			value = "placeholder"
		}
		env = append(env, e.Name+"="+value)
	}
	cmd := exec.Command(bin, "validate", "--config="+path)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	require.NoErrorf(t, err, "%s\n%s", out, config)
}

// credentialsFileFromASecret checks the file route of a receiver's credentials: its authenticator
// is an enabled bearertokenauth that sends Basic credentials read from a file, and the file is a
// key of a Secret volume mounted as a directory, where the kubelet rewrites it on rotation (a
// subPath mount would never see the new token).
func credentialsFileFromASecret(t *testing.T, cfg map[string]any, receiver string, sts statefulSet, c container) {
	t.Helper()
	auth, _ := cfg["receivers"].(map[string]any)[receiver].(map[string]any)["auth"].(map[string]any)
	name, _ := auth["authenticator"].(string)
	require.Truef(t, strings.HasPrefix(name, "bearertokenauth"), "%s authenticates with bearertokenauth, got %q", receiver, name)
	assert.Containsf(t, cfg["service"].(map[string]any)["extensions"], name, "the authenticator of %s is enabled", receiver)
	ext, _ := cfg["extensions"].(map[string]any)[name].(map[string]any)
	require.NotNilf(t, ext, "the extension %s is configured", name)
	assert.Equal(t, "Basic", ext["scheme"], "the API wants Basic auth")
	assert.NotContains(t, ext, "token", "no token written into the values")
	filename, _ := ext["filename"].(string)
	require.NotEmpty(t, filename, "the credentials are read from a file")

	dir, key := filepath.Dir(filename), filepath.Base(filename)
	found := false
	for _, m := range c.VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		assert.Emptyf(t, m.SubPath, "%s is mounted whole: a subPath mount never sees a rotated Secret", m.Name)
		for _, v := range sts.Spec.Template.Spec.Volumes {
			if v.Name != m.Name {
				continue
			}
			require.NotNilf(t, v.Secret, "the volume %s is a Secret", v.Name)
			paths := map[string]bool{}
			for _, item := range v.Secret.Items {
				paths[item.Path] = true
			}
			assert.Truef(t, len(v.Secret.Items) == 0 || paths[key], "the Secret %s puts a file named %s in %s", v.Secret.SecretName, key, dir)
			found = true
		}
	}
	assert.Truef(t, found, "%s is in a Secret volume mounted at %s", filename, dir)
}
