"""Shared Jinja2 environments for netjsonconfig's renderers.

netjsonconfig builds a new ``Environment`` at each render, so each renderer
template is compiled each time; the classes made here share one environment per
template package for the whole process (the OpenWISP 1.x backend's
install/uninstall/tc scripts too), so each template is compiled once.
"""

import threading
from typing import Any

from jinja2 import Environment
from netjsonconfig.backends.base.renderer import BaseRenderer

_envs: dict[Any, Environment] = {}
_envs_lock = threading.Lock()


def _shared_env(renderer: Any) -> Environment:
    """netjsonconfig's environment for ``renderer.env_path``, built once per process."""
    path = renderer.env_path
    env = _envs.get(path)
    if env is None:
        with _envs_lock:
            env = _envs.get(path)
            if env is None:
                env = BaseRenderer.template_env.fget(renderer)
                env.auto_reload = False  # packaged templates do not change under us
                _envs[path] = env
    return env


class SharedEnvRendererMixin:
    @property
    def template_env(self) -> Environment:
        return _shared_env(self)


class _EnvPath:
    def __init__(self, env_path: str) -> None:
        self.env_path = env_path


def fast_renderer(renderer_cls: Any) -> Any:
    """``renderer_cls`` sharing its template environment, when it uses netjsonconfig's."""
    if not (isinstance(renderer_cls, type) and issubclass(renderer_cls, BaseRenderer)):
        return renderer_cls
    if getattr(renderer_cls, "template_env", None) is not BaseRenderer.template_env:
        return renderer_cls  # its own environment: leave it alone
    return type(
        renderer_cls.__name__,  # BaseRenderer.get_name() derives the template from it
        (SharedEnvRendererMixin, renderer_cls),
        {"__module__": renderer_cls.__module__, "__qualname__": renderer_cls.__qualname__},
    )


def render_openwisp_template(
    self: Any, template: str, context: dict[str, Any] | None = None
) -> str:
    """``OpenWisp._render_template`` with the environment built once."""
    env = _shared_env(_EnvPath(self.__module__))
    return env.get_template(template).render(**(context or {}))
