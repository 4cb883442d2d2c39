# syntax=docker/dockerfile:1

# khaosat: one static binary on a distroless, non-root base.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t khaosat .
#
# The build compiles the embedded database engine (FerretDB + pure-Go SQLite)
# too, so the first build takes a few minutes.

FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/khaosat ./cmd/khaosat \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/khaosat /khaosat
# An empty data directory owned by the nonroot user (65532); a new named
# volume mounted on /data starts as a copy of it, with the same owner. It
# holds the generated token secret and, without a MongoDB URI, the embedded
# database.
COPY --from=build --chown=65532:65532 /out/data /data
ENV KHAOSAT_DATA_DIR=/data \
    KHAOSAT_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/khaosat"]
CMD ["serve"]
