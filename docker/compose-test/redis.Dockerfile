# Stand-in for Docker Hub's redis:7.0.15-bookworm where no image registry can be reached:
# Debian 12's redis-server 7.0.15 on the locally built debian:bookworm-slim
# (scripts/compose-test.sh builds both).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && redis-server --version | grep -q ' v=7\.0\.15 ' \
    && mkdir -p /data
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
