"""Tokens: ``POST /api/v1/users/token/`` with a user name and a password gives one;
``Authorization: Bearer <token>`` authenticates with it.

Tokens are django-rest-knox's: only a SHA-512 digest of each is stored (a copy of the
database gives no usable token), compared in constant time, and each can be revoked
(deleted) in the admin ("Auth tokens"). Their lifetime is knox's ``TOKEN_TTL``
(``REST_KNOX`` setting; 10 hours unless the site says otherwise).

Password guessing is slowed twice: the password goes through Django's
``authenticate()``, so the site's login rate limit (django-axes in the demo site) counts
and locks out the API's failures as the admin's; and each address may ask for at most
``NETJSONCONFIG_API_TOKEN_RATE`` tokens (a 429 with ``Retry-After`` beyond).
"""

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, inline_serializer
from knox.auth import TokenAuthentication
from knox.models import get_token_model
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ..settings import app_settings
from .parsers import StrictJSONParser
from .schema import documented


class BearerAuthentication(TokenAuthentication):
    """knox's token authentication with the ``Bearer`` scheme."""

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)


class BearerScheme(OpenApiAuthenticationExtension):
    """The Bearer scheme in the OpenAPI schema."""

    target_class = BearerAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}


class TokenRateThrottle(AnonRateThrottle):
    """Token requests per client address (``NETJSONCONFIG_API_TOKEN_RATE``)."""

    scope = "netjsonconfig_token"

    def get_rate(self) -> str:
        return str(app_settings.API_TOKEN_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class ObtainTokenView(APIView):
    """A new token for a user name and a password."""

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    throttle_classes = [TokenRateThrottle]
    schema = AutoSchema()
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]
    serializer_class = CredentialsSerializer

    @documented(
        request=CredentialsSerializer,
        responses={
            200: inline_serializer(
                "Token",
                {
                    "token": serializers.CharField(),
                    "expiry": serializers.DateTimeField(allow_null=True),
                },
            ),
            400: None,
            429: None,
        },
        examples=[OpenApiExample("credentials", {"username": "admin", "password": "..."})],
    )
    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=credentials.validated_data["username"],
            password=credentials.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            # the site's login rate limit (django-axes) locked this user name out
            return Response(
                {"detail": _("Too many failed attempts: try again later.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with the credentials given.")]}
            )
        token_model = get_token_model()
        instance, token = token_model.objects.create(user=user)
        return Response({"token": token, "expiry": instance.expiry})
