# coach: `make run` coaches a session, `make test` runs every test.
# Both install the Debian packages they need when missing (as root, or with sudo).

GO        ?= go
BIN       := bin/coach
ROUTINE   ?= upper-back
ARGS      ?=
FUZZTIME  ?= 10s

# Building needs ALSA headers for oto (cgo), and pocketsphinx with its US
# English model for spoken commands (--listen; the pocketsphinx build tag:
# a plain `go build` needs neither and says so when asked to listen).
BUILD_PKGS := pkg-config gcc libasound2-dev libpocketsphinx-dev libsphinxbase-dev pocketsphinx-en-us
# A session records the lines of a new routine before it plays them.
RUN_PKGS   := festival festvox-us-slt-hts
# Tests also need a real-time audio path (PulseAudio null sink behind ALSA),
# a headless browser, the offline voices, a private D-Bus session bus
# (dbus-daemon, dbus-send) and paplay to speak into a virtual microphone.
TEST_PKGS  := $(BUILD_PKGS) pulseaudio pulseaudio-utils libasound2-plugins alsa-utils chromium festival festvox-us-slt-hts espeak-ng dbus-daemon dbus-bin
# The recording corpus of spoken commands (make commands) also uses these.
CORPUS_PKGS := festival festvox-us-slt-hts festvox-kallpc16k festvox-kdlpc16k flite espeak-ng sox

# Every go command builds with the recogniser.
export GOFLAGS := $(strip $(GOFLAGS) -tags=pocketsphinx)

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Fuzzing runs on Go 1.27.3 (fetched once from the module proxy, ~76 MB):
# go1.26's fuzz coordinator can fail a healthy target with "context deadline
# exceeded" when -fuzztime ends (go.dev/issue/75804, fixed in go1.27).
FUZZ_GO   ?= GOTOOLCHAIN=go1.27.3 $(GO)

.PHONY: all build run test lint fuzz bench voices commands deps deps-test deps-run clean

all: build

define install_missing
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else echo "please install:$$missing (as root)"; exit 1; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(BUILD_PKGS))

deps-test:
	$(call install_missing,$(TEST_PKGS))

deps-run:
	$(call install_missing,$(RUN_PKGS))

COMMIT    := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo +changes)
LDFLAGS   := -X github.com/coach-dev/coach/internal/cli.commit=$(COMMIT)

build: deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/coach

# A coached session of the built-in routine. Pass options with ARGS, e.g.
# make run ARGS="--no-audio --speed 10".
run: build deps-run
	$(BIN) run $(ROUTINE) $(ARGS)

# Every test, with the race detector, then each parser's fuzz target briefly.
test: deps-test lint
	$(GO) test -race -count=1 -p 1 ./...  # one package at a time: the real-time tests need the CPU
	$(MAKE) fuzz

# Hygiene: formatting, vet, staticcheck, and go.mod/go.sum exactly as tidy
# leaves them (direct dependencies never marked indirect).
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) mod tidy -diff

fuzz:
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzLoad$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzSplitClauses$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzCompose$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzDecodeWAV$$' -fuzztime=$(FUZZTIME) ./voice
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzReadManifest$$' -fuzztime=$(FUZZTIME) ./voice
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzEdgeLoss$$' -fuzztime=$(FUZZTIME) ./voice
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzParseMark$$' -fuzztime=$(FUZZTIME) ./internal/bake
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzDuration$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzPlaceholders$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzPicture$$' -fuzztime=$(FUZZTIME) ./coach
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzDecodeCommand$$' -fuzztime=$(FUZZTIME) ./internal/companion
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzDecodeKeys$$' -fuzztime=$(FUZZTIME) ./internal/term
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzRender$$' -fuzztime=$(FUZZTIME) ./internal/term
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzRecoveryImport$$' -fuzztime=$(FUZZTIME) ./internal/history
	$(FUZZ_GO) test -run='^$$' -fuzz='^FuzzVAD$$' -fuzztime=$(FUZZTIME) ./internal/listen

bench: deps-test
	$(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...

# Bring the default voice pack up to date with the built-in scripts
# (festival HTS) and check every prompt against festival's untrimmed take
# of its text; VOICES_FLAGS=-force re-records every prompt.
VOICES_FLAGS ?=
voices: deps-test
	$(GO) run ./internal/tools/mkvoices -out voice/default $(VOICES_FLAGS)

# Record the spoken-command corpus again (after a change of the control
# table's Spoken words): every phrase in eight voices at two speeds.
commands:
	$(call install_missing,$(CORPUS_PKGS))
	$(GO) run ./internal/listen/mkcorpus -out internal/listen/testdata/commands

clean:
	rm -rf bin
