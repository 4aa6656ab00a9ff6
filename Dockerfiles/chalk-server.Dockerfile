# chalk-server image: the ingest server for chalk reports (docs/server.md).
#
#   docker build -f Dockerfiles/chalk-server.Dockerfile -t chalk-server .
#   docker run --rm -p 8585:8585 -v chalk-server-data:/var/lib/chalk-server chalk-server
#   docker run --rm -v chalk-server-data:/var/lib/chalk-server chalk-server token create \
#       --database sqlite:///var/lib/chalk-server/db.sqlite --scope write
#
# The build stage needs the Swift 6.3 toolchain image and the C libraries the package links
# (libsqlite3 for GRDB, libcrypto for SHA-256, libcurl/zlib for the rest of the package graph).
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      libsqlite3-dev libssl-dev libcurl4-openssl-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product chalk-server --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/chalk-server" /out/chalk-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libsqlite3-0 libssl3 libcurl4 zlib1g ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/chalk-server --create-home chalk-server
COPY --from=build /out/chalk-server /usr/local/bin/chalk-server
USER chalk-server
VOLUME /var/lib/chalk-server
EXPOSE 8585
# SIGTERM (docker stop) drains requests in flight, then the server exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/chalk-server"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8585", "--database", "sqlite:///var/lib/chalk-server/db.sqlite"]
