# chalk as the entry point of a distroless image (no shell, non-root user 65532).
#   docker build -f Dockerfiles/examples/distroless.Dockerfile dist/
# /chalk is world-executable, so the non-root USER can run it. Replace the CMD with your
# program (copied into the image).
ARG BASE=gcr.io/distroless/static-debian12:nonroot
FROM ${BASE}
COPY chalk /chalk
USER 65532:65532
ENTRYPOINT ["/chalk", "exec", "--"]
CMD ["/chalk", "version"]
