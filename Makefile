# JobExporter: `make test` runs every test, `make run` starts a local demo. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help
DOTNET ?= dotnet
CONFIGURATION ?= Release
RESULTS := .tmp/test-results

# Debian packages the tests and the demo use: package name, then a file (globs allowed) that shows it is installed.
# The probe must come from the package itself: a client-only postgresql image has /usr/lib/postgresql but no initdb.
DEBIAN_DEPS := rabbitmq-server:/usr/lib/rabbitmq/bin/rabbitmq-server \
               prometheus:/usr/bin/promtool \
               prometheus-alertmanager:/usr/bin/amtool \
               postgresql:/usr/lib/postgresql/*/bin/initdb \
               libjsonnet0:/usr/lib/x86_64-linux-gnu/libjsonnet.so.0 \
               jsonnet:/usr/bin/jsonnet \
               python3-celery:/usr/lib/python3/dist-packages/celery/__init__.py \
               python3-redis:/usr/lib/python3/dist-packages/redis/__init__.py \
               redis-server:/usr/bin/redis-server

# What `make bench` needs besides: clang and lld publish the exporter with NativeAOT, as the image does.
BENCH_DEPS := clang:/usr/bin/clang lld:/usr/bin/lld zlib1g-dev:/usr/include/zlib.h

.PHONY: help deps build test run mixin bench pack image-check pictures clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 10

deps: ## Install the Debian packages the tests need, when missing (apt-get, as root)
	@scripts/install-deps.sh $(DEBIAN_DEPS)

build: ## Build every project
	$(DOTNET) build JobExporter.sln -c $(CONFIGURATION) -nologo -v q

test: deps build ## Install what is missing, build, run every test; ends with "N passed, N failed"
	@rm -rf $(RESULTS)
	@[ "$(IMAGE_CHECK)" = 1 ] || echo "make test: the image check (make image-check, minutes, root and podman) is skipped; IMAGE_CHECK=1 runs it"
	@set +e; $(DOTNET) test JobExporter.sln -c $(CONFIGURATION) --no-build -nologo \
	    --logger "trx" --logger "console;verbosity=normal" --results-directory $(RESULTS) \
	    --blame-hang-timeout 15m; status=$$?; \
	  scripts/test-summary.sh $(RESULTS); summary=$$?; \
	  if [ $$status -ne 0 ] || [ $$summary -ne 0 ]; then exit 1; fi

run: deps ## Start RabbitMQ, the exporter, demo Hangfire, MassTransit and Celery workers, Prometheus and Alertmanager; Ctrl-C stops all
	@scripts/run-demo.sh

mixin: ## Render the monitoring mixin into mixin/ (alerts, rules, dashboards), its test fixture and the demo's rules
	$(DOTNET) build src/JobExporter.Mixin -c $(CONFIGURATION) -nologo -v q
	$(DOTNET) run --no-build --project src/JobExporter.Mixin -c $(CONFIGURATION) -- --mixin mixin
	$(DOTNET) run --no-build --project src/JobExporter.Mixin -c $(CONFIGURATION) -- --mixin mixin --rules-only \
	    --out mixin/tests/rendered --config "$$(cat mixin/tests/config.jsonnet)"
	$(DOTNET) run --no-build --project src/JobExporter.Mixin -c $(CONFIGURATION) -- --mixin mixin --rules-only \
	    --out deploy/local/rules --config "$$(cat deploy/local/mixin-config.jsonnet)"

bench: deps ## Run the benchmarks; writes docs/benchmarks.md
	@scripts/install-deps.sh $(BENCH_DEPS)
	@scripts/bench.sh

# The packages: every project under src/ whose csproj sets IsPackable (the repository's default is false).
PACKABLE := $(shell grep -l '<IsPackable>true</IsPackable>' src/*/*.csproj)

pack: ## Write the emitter NuGet packages (and .snupkg symbols) to .tmp/packages; the version comes from the v* git tag
	@rm -rf .tmp/packages
	@for project in $(PACKABLE); do \
	  $(DOTNET) pack $$project -c $(CONFIGURATION) -nologo -v q -p:EnableSourceLink=true -p:ContinuousIntegrationBuild=true || exit 1; \
	done
	@ls -1 .tmp/packages

pictures: deps ## Plot the overview and per-job dashboards from their queries against the demo (make run) into docs/images
	@scripts/pictures.sh

image-check: ## Build deploy/Dockerfile with podman and check the running image: uid, build_info, HEALTHCHECK with TLS and auth (root, minutes)
	@scripts/image-check.sh

clean: ## Remove build output
	$(DOTNET) clean JobExporter.sln -nologo -v q
	rm -rf .tmp
