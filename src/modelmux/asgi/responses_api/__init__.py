"""The Responses API, inbound at ``/v1/responses``: the request's sizes checked (:mod:`.check_request`), the call
made by :func:`modelmux._responses.api.arespond`, events written as server-sent events (:mod:`.event_stream`),
responses kept per gateway (:mod:`.store`)."""
