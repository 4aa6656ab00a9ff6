# chalk as the entry point of a FROM-scratch image: the static chalk is the only file it needs.
#   docker build -f Dockerfiles/examples/scratch.Dockerfile dist/
# Replace the CMD with your own static program (copied into the image).
ARG BASE=scratch
FROM ${BASE}
COPY chalk /chalk
ENTRYPOINT ["/chalk", "exec", "--"]
CMD ["/chalk", "version"]
