"""The OpenAI Responses API (https://platform.openai.com/docs/api-reference/responses) over every provider.

A request is translated into the chat call modelmux already speaks (:mod:`.convert_request`), the answer and its
stream back into a ``Response`` and its events (:mod:`.convert_output`, :mod:`.stream_events`); an OpenAI target
takes the request natively (:mod:`.native`). Responses are kept in a store (:mod:`.store`) so a conversation can go
on by ``previous_response_id``. The public functions are in :mod:`.api`.

(The package is private, ``_responses``, because ``modelmux.responses`` is the function.)
"""
