from django_netjsonconfig.apps import DjangoNetjsonconfigApp


class SampleConfigApp(DjangoNetjsonconfigApp):
    """The seed's recipe: reuse the app config, name the custom models."""

    name = "tests.sample_extension"
    label = "config"

    def __setmodels__(self):
        from .models import Config, VpnClient

        self.config_model = Config
        self.vpnclient_model = VpnClient
