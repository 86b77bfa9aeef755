# Stand-in for Docker Hub's rust:bookworm where no image registry can be reached: Debian 12's
# Rust (rustc-web / cargo-web from bookworm-security) on the locally built debian:bookworm-slim.
# Used as docker/Dockerfile's RUST_IMAGE by scripts/compose-test.sh.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends rustc-web cargo-web gcc libc6-dev binutils \
    && rm -rf /var/lib/apt/lists/* \
    && rustc --version && cargo --version
