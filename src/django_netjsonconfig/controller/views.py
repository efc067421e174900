"""The controller views of the installed app."""

from .generics import (
    BaseChecksumView,
    BaseDownloadConfigView,
    BaseRegisterView,
    BaseReportStatusView,
    BaseUpdateInfoView,
    BaseVpnChecksumView,
    BaseVpnDownloadConfigView,
)

checksum = BaseChecksumView.as_view()
download_config = BaseDownloadConfigView.as_view()
report_status = BaseReportStatusView.as_view()
update_info = BaseUpdateInfoView.as_view()
register = BaseRegisterView.as_view()
vpn_checksum = BaseVpnChecksumView.as_view()
vpn_download_config = BaseVpnDownloadConfigView.as_view()
