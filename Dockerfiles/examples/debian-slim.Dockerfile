# chalk as the entry point of a Debian-slim based image. The context is the directory holding
# the static chalk (dist/):  docker build -f Dockerfiles/examples/debian-slim.Dockerfile dist/
ARG BASE=debian:12-slim
FROM ${BASE}
COPY chalk /chalk
# `chalk exec` supervises the program after `--` and reports which build runs where;
# `docker run IMAGE other args` still works (the args replace CMD).
ENTRYPOINT ["/chalk", "exec", "--"]
CMD ["echo", "hello from a Debian-slim image"]
