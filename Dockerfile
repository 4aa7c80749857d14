# The worker and starter of fortspeed in one image: `worker` (the default command) or
# `starter <command>` (setup, codec-server, sync, status…).
FROM golang:1.26.8-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# timetzdata embeds the time zone database: order dates are in Europe/Stockholm, and the
# runtime image has no tzdata.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -o /out/worker ./worker \
 && CGO_ENABLED=0 go build -trimpath -tags timetzdata -o /out/starter ./starter

FROM alpine:3.22.1
# busybox wget serves the healthchecks; the CA bundle is in the base image.
RUN adduser -D -H -u 10001 fortspeed
COPY --from=build /out/worker /out/starter /usr/local/bin/
USER fortspeed
CMD ["worker"]
