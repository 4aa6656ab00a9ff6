# chalk as the entry point of an Alpine (musl) based image: chalk is fully static, so it
# needs nothing from the base.  docker build -f Dockerfiles/examples/alpine.Dockerfile dist/
ARG BASE=alpine:3.20
FROM ${BASE}
COPY chalk /chalk
ENTRYPOINT ["/chalk", "exec", "--"]
CMD ["echo", "hello from an Alpine image"]
