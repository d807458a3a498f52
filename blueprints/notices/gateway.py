"""The HTTP sender: a real SMS gateway, reached by one POST per try (SMS_SENDER =
"blueprints.notices.gateway:HttpSender").

The contract (README, "Text messages and the gateway"):

    POST SMS_GATEWAY_URL
    Authorization: Bearer SMS_GATEWAY_KEY
    Idempotency-Key: <message_id>
    Content-Type: application/json

    {"message_id": "9f0c…", "phone": "13800000001", "template": "SMS_1001",
     "params": {"code": "123456"}, "locale": "zh_Hans"}

`template` is the gateway's id for the message's msgid (SMS_GATEWAY_TEMPLATES, a JSON object
msgid → template id); a message with no registered template goes as SMS_GATEWAY_TEXT_TEMPLATE
with the rendered text as its one parameter, `{"text": "…"}`. A 2xx answer means delivered; 4xx
means refused for good (the message is marked failed at once), except 408 and 429, which, like
5xx, a timeout or a refused connection, are tried again with backoff. Every try of one message
carries the same message_id: a gateway that already took it answers 2xx and sends nothing."""

import json
import urllib.error
import urllib.request

from flask import current_app

from blueprints.notices.sms import PermanentFailure

RETRYABLE = {408, 429}


class GatewayError(Exception):
    """The gateway failed or did not answer: worth another try."""


class HttpSender:
    def __init__(self):
        config = current_app.config
        self.url = config["SMS_GATEWAY_URL"]
        self.key = config["SMS_GATEWAY_KEY"]
        self.templates = json.loads(config["SMS_GATEWAY_TEMPLATES"] or "{}")
        self.text_template = config["SMS_GATEWAY_TEXT_TEMPLATE"]
        self.timeout = float(config["SMS_GATEWAY_TIMEOUT"])
        if not self.url:
            raise RuntimeError("SMS_SENDER is the HTTP sender: set SMS_GATEWAY_URL.")

    def payload(self, sms):
        template = self.templates.get(sms.template)
        if template is None:
            template, params = self.text_template, {"text": sms.text}
        else:
            params = sms.params
        return {
            "message_id": sms.key,
            "phone": sms.phone,
            "template": template,
            "params": params,
            "locale": sms.locale,
        }

    def send(self, sms):
        request = urllib.request.Request(
            self.url,
            data=json.dumps(self.payload(sms), ensure_ascii=False).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.key}",
                "Idempotency-Key": sms.key,
                "Content-Type": "application/json; charset=utf-8",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                answer.read()
        except urllib.error.HTTPError as e:
            body = e.read(200).decode(errors="replace")
            e.close()
            if 400 <= e.code < 500 and e.code not in RETRYABLE:
                raise PermanentFailure(f"gateway refused it: {e.code} {body}") from None
            raise GatewayError(f"gateway answered {e.code} {body}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            raise GatewayError(f"gateway unreachable: {getattr(e, 'reason', e)}") from None
