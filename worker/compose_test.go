package main

import (
	"bufio"
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The compose stack is checked as docker compose would read it, since no build machine
// has a Docker engine to run it.
const (
	composePath    = "../docker-compose.yml"
	envExamplePath = "../.env.example"
)

// envExample reads .env.example's variables in order.
func envExample(t *testing.T) (names []string, values map[string]string) {
	t.Helper()
	f, err := os.Open(envExamplePath)
	require.NoError(t, err)
	defer f.Close()
	values = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		require.True(t, ok, ".env.example line %q is not NAME=value", line)
		names = append(names, name)
		values[name] = value
	}
	require.NoError(t, sc.Err())
	return names, values
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{composePath}, cli.WithWorkingDirectory(".."),
		cli.WithEnv(list), cli.WithName("fortspeed"))
	require.NoError(t, err)
	return opts.LoadProject(context.Background())
}

// requiredVariable is a ${NAME:?message} of the compose file.
var requiredVariable = regexp.MustCompile(`\$\{([A-Z0-9_]+):\?`)

func TestComposeFile(t *testing.T) {
	names, example := envExample(t)
	body, err := os.ReadFile(composePath)
	require.NoError(t, err)

	// Every variable the compose file reads is documented in .env.example.
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)`).FindAllStringSubmatch(string(body), -1) {
		assert.Contains(t, names, m[1], "docker-compose.yml reads %s; .env.example must document it", m[1])
	}
	// The example as shipped is refused until its secrets are filled in…
	_, err = loadCompose(t, example)
	require.Error(t, err, "compose must refuse the example's empty secrets")
	assert.ErrorContains(t, err, "in .env")
	// …and with them it loads.
	env := map[string]string{}
	for k, v := range example {
		env[k] = v
	}
	for _, m := range requiredVariable.FindAllStringSubmatch(string(body), -1) {
		if env[m[1]] == "" {
			env[m[1]] = "test-" + strings.ToLower(m[1])
		}
	}
	project, err := loadCompose(t, env)
	require.NoError(t, err)

	longRunning := []string{"postgresql", "temporal", "temporal-ui", "codec-server", "worker", "vendor-worker", "prometheus", "grafana"}
	oneShot := []string{"temporal-schema", "temporal-namespace", "setup"}
	assert.ElementsMatch(t, append(slices.Clone(longRunning), oneShot...), project.ServiceNames())

	for _, name := range longRunning {
		svc := project.Services[name]
		if assert.NotNil(t, svc.HealthCheck, "%s has a healthcheck", name) {
			assert.False(t, svc.HealthCheck.Disable, name)
			assert.NotEmpty(t, svc.HealthCheck.Test, name)
			assert.NotNil(t, svc.HealthCheck.Interval, name)
		}
		assert.Equal(t, "unless-stopped", svc.Restart, "%s comes back after a crash or reboot", name)
	}
	for _, name := range oneShot {
		assert.Contains(t, []string{"", "no"}, project.Services[name].Restart, "%s runs once", name)
	}

	// Start order: each dependency names the condition a docker compose up waits for.
	deps := map[string]map[string]string{
		"temporal-schema":    {"postgresql": types.ServiceConditionHealthy},
		"temporal":           {"temporal-schema": types.ServiceConditionCompletedSuccessfully},
		"temporal-namespace": {"temporal": types.ServiceConditionHealthy},
		"setup":              {"temporal-namespace": types.ServiceConditionCompletedSuccessfully},
		"worker":             {"setup": types.ServiceConditionCompletedSuccessfully},
		"vendor-worker":      {"setup": types.ServiceConditionCompletedSuccessfully},
		"temporal-ui":        {"temporal": types.ServiceConditionHealthy, "codec-server": types.ServiceConditionHealthy},
		"grafana":            {"prometheus": types.ServiceConditionHealthy},
	}
	for _, name := range project.ServiceNames() {
		got := map[string]string{}
		for dep, d := range project.Services[name].DependsOn {
			got[dep] = d.Condition
		}
		want := deps[name]
		if want == nil {
			want = map[string]string{}
		}
		assert.Equal(t, want, got, "depends_on of %s", name)
	}

	// Published ports, all on the host's loopback only.
	ports := map[string][2]string{ // service → published, target
		"temporal": {"7233", "7233"}, "temporal-ui": {"8080", "8080"}, "codec-server": {"8083", "8083"},
		"prometheus": {"9091", "9090"}, "grafana": {"3000", "3000"},
	}
	for _, name := range project.ServiceNames() {
		svc := project.Services[name]
		want, published := ports[name]
		if !published {
			assert.Empty(t, svc.Ports, "%s publishes no port", name)
			continue
		}
		if assert.Len(t, svc.Ports, 1, name) {
			p := svc.Ports[0]
			assert.Equal(t, "127.0.0.1", p.HostIP, name)
			assert.Equal(t, want, [2]string{p.Published, strconv.Itoa(int(p.Target))}, name)
		}
	}

	// Two workflow workers; one vendor worker, the only process that rotates the tokens.
	worker, vendor := project.Services["worker"], project.Services["vendor-worker"]
	require.NotNil(t, worker.Deploy)
	require.NotNil(t, worker.Deploy.Replicas)
	assert.Equal(t, 2, *worker.Deploy.Replicas)
	assert.True(t, vendor.Deploy == nil || vendor.Deploy.Replicas == nil || *vendor.Deploy.Replicas == 1)
	assert.Equal(t, "fortspeed", *worker.Environment["FORTSPEED_TASK_QUEUES"])
	assert.Equal(t, "fortnox-api,lightspeed-api", *vendor.Environment["FORTSPEED_TASK_QUEUES"])
	assert.NotContains(t, worker.Environment, "FORTNOX_CLIENT_SECRET", "the workflow workers hold no vendor secret")
	assert.NotContains(t, worker.Environment, "LIGHTSPEED_CLIENT_SECRET", "the workflow workers hold no vendor secret")
	for _, svc := range []types.ServiceConfig{worker, vendor} {
		assert.Equal(t, "0.0.0.0:9090", *svc.Environment["FORTSPEED_METRICS_ADDR"], "Prometheus scrapes %s on 9090", svc.Name)
		assert.Equal(t, "temporal:7233", *svc.Environment["TEMPORAL_ADDRESS"], svc.Name)
	}
	assert.Equal(t, "http://localhost:8083", *project.Services["temporal-ui"].Environment["TEMPORAL_CODEC_ENDPOINT"], "the UI reads payloads through the codec server")
	assert.Equal(t, "http://localhost:8080", *project.Services["codec-server"].Environment["FORTSPEED_CODEC_ORIGIN"], "the codec server lets the UI's origin in")

	// Every image is pinned to a version: ours is built from the Dockerfile, whose base
	// images are pinned too.
	for _, name := range project.ServiceNames() {
		svc := project.Services[name]
		if svc.Build != nil {
			assert.Equal(t, "fortspeed:local", svc.Image, "%s is built here", name)
			continue
		}
		assert.True(t, pinned(svc.Image), "%s: image %q is not pinned to a version or digest", name, svc.Image)
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(string(dockerfile), -1)
	require.NotEmpty(t, froms)
	for _, m := range froms {
		assert.True(t, pinned(m[1]), "Dockerfile: FROM %s is not pinned", m[1])
	}

	// Prometheus scrapes both worker services; Grafana gets the dashboard the tests check.
	var prom struct {
		ScrapeConfigs []struct {
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	promBody, err := os.ReadFile("../deploy/prometheus/prometheus.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(promBody, &prom))
	require.Len(t, prom.ScrapeConfigs, 1)
	require.Len(t, prom.ScrapeConfigs[0].DNSSDConfigs, 1)
	sd := prom.ScrapeConfigs[0].DNSSDConfigs[0]
	assert.ElementsMatch(t, []string{"worker", "vendor-worker"}, sd.Names)
	assert.Equal(t, 9090, sd.Port)
	var mounted []string
	for _, v := range project.Services["grafana"].Volumes {
		mounted = append(mounted, v.Source+":"+v.Target)
	}
	assert.Contains(t, mounted, project.WorkingDir+"/deploy/grafana/dashboards:/etc/grafana/dashboards")
	// Every file or folder the stack mounts from the repository exists.
	for _, name := range project.ServiceNames() {
		for _, v := range project.Services[name].Volumes {
			if v.Type == types.VolumeTypeBind && strings.HasPrefix(v.Source, project.WorkingDir+"/deploy/") {
				_, err := os.Stat(v.Source)
				assert.NoError(t, err, "%s mounts %s", name, v.Source)
			}
		}
	}
}

// pinned says whether an image reference names a version (a tag with a digit that is not
// "latest") or a digest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") {
		return false // no tag: latest
	}
	tag := image[i+1:]
	return tag != "latest" && strings.ContainsAny(tag, "0123456789")
}

func TestPinned(t *testing.T) {
	for image, want := range map[string]bool{
		"postgres:16.4":                   true,
		"prom/prometheus:v3.5.0":          true,
		"golang:1.26.8-alpine":            true,
		"grafana/grafana@sha256:0123abcd": true,
		"postgres":                        false,
		"postgres:latest":                 false,
		"localhost:5000/app":              false,
		"alpine:edge":                     false,
	} {
		assert.Equal(t, want, pinned(image), image)
	}
}
