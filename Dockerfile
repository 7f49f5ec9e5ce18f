# The otelcol-forge image: built with the same `make build` as everywhere else, run as a non-root
# user from a small base with the binary at /otelcol-forge.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
RUN make build \
 && mkdir -p /out/var/lib/otelcol-forge \
 && cp bin/otelcol-forge /out/otelcol-forge

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/otelcol-forge /otelcol-forge
COPY deploy/docker/config.yaml /etc/otelcol-forge/config.yaml
# Checkpoints live here (file_storage); mount a persistent volume to keep them across restarts.
COPY --from=build --chown=65532:65532 /out/var/lib/otelcol-forge /var/lib/otelcol-forge
VOLUME /var/lib/otelcol-forge
USER 65532:65532
EXPOSE 8888 13133
ENTRYPOINT ["/otelcol-forge"]
CMD ["--config", "/etc/otelcol-forge/config.yaml"]
