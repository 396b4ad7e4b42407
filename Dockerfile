# Multi-stage build: a static binary in a small image that runs as an unprivileged user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
# fpdf is replaced by the patched copy under third_party (third_party/fpdf/ATTEST.md).
COPY third_party ./third_party
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/attest ./cmd/attest

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/attest attest \
    && mkdir -p /var/lib/attest/evidence && chown -R attest /var/lib/attest
COPY --from=build /out/attest /usr/local/bin/attest
USER attest
WORKDIR /var/lib/attest
ENV ATTEST_ADDR=0.0.0.0:8080 ATTEST_ENV=production ATTEST_BLOB_DIR=/var/lib/attest/evidence
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["attest"]
CMD ["serve"]
