# Release image of the keel binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin keel

FROM debian:bookworm-slim
# curl: the compose health check.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/keel /usr/local/bin/keel
COPY config ./config
RUN mkdir -p /app/data/uploads /app/data/mail && useradd --system --home /app keel && chown -R keel /app
USER keel
EXPOSE 8080
ENTRYPOINT ["keel"]
CMD ["serve"]
