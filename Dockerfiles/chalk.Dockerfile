# A minimal image that holds only the static chalk binary at /chalk.
# Build it from the directory that holds the static binary (scripts/build-static.sh makes dist/chalk):
#   docker build -f Dockerfiles/chalk.Dockerfile -t chalk:latest dist/
# Then use it in your own images:
#   COPY --from=chalk:latest /chalk /chalk
FROM scratch
# (No COPY --chmod: the docker 20.10 legacy builder rejects it; the binary is already 0755.)
COPY chalk /chalk
ENTRYPOINT ["/chalk"]
