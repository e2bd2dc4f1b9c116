"""One module per endpoint; each handler takes the request and the upstreams and returns an answer."""
