"""Persistence by reference: callbacks as ``module:qualname`` or entity methods, args as JSON.

Nothing here pickles. A callback is stored as where to find it again, arguments as JSON with
three tags (``$tuple``, ``$entity``, ``$dict``), and everything else is refused at the
``delay()`` call with a message naming the piece.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import types
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from ember.errors import NotPersistableError, UnresolvableReferenceError
from ember.scheduling._entity import EntityRegistry

__all__ = [
    "callback_name",
    "decode_arguments",
    "decode_callback",
    "decode_parsed_arguments",
    "decode_value",
    "encode_arguments",
    "encode_callback",
    "readable_name",
    "resolve_reference",
]

_JSON_SCALARS = (str, int, type(None), bool)
_ACCEPTED = (
    "JSON values (None, bool, int, finite float, str, list, tuple, dict with str keys) "
    "and persistent entities"
)


def callback_name(callback: Callable[..., Any]) -> str:
    """Return a readable ``module.qualname`` for logs and the ``tasks`` listing."""
    name = getattr(callback, "__qualname__", None) or getattr(callback, "__name__", None)
    if name is None:
        return repr(callback)
    module = getattr(callback, "__module__", None)
    return f"{module}.{name}" if module else str(name)


_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
# Validating a function reference imports and compares; do it once per function object.
_function_refs: weakref.WeakKeyDictionary[Callable[..., Any], str] = weakref.WeakKeyDictionary()


# -- callbacks ---------------------------------------------------------------------------------


def encode_callback(callback: Callable[..., Any], registry: EntityRegistry) -> str:
    """Return the JSON reference of ``callback`` or raise :class:`NotPersistableError`."""
    if type(callback) is types.FunctionType:
        cached = _function_refs.get(callback)
        if cached is None:
            cached = _function_refs[callback] = _encode_named(callback)
        return cached
    owner = getattr(callback, "__self__", None)
    if owner is not None and not isinstance(owner, type) and type(owner).__name__ != "module":
        return _encode_entity_method(callback, owner, registry)
    return _encode_named(callback)


def _encode_named(callback: Callable[..., Any]) -> str:
    module = getattr(callback, "__module__", None)
    qualname = getattr(callback, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise NotPersistableError(
            f"callback {callback!r} has no module-level name; persistent tasks store callbacks "
            "by reference: use a module-level function, a static/class method or a method of "
            "a persistent entity"
        )
    if "<lambda>" in qualname or "<locals>" in qualname:
        kind = "a lambda" if "<lambda>" in qualname else "defined inside a function"
        raise NotPersistableError(
            f"callback {module}.{qualname} is {kind}, so it cannot be found again after a "
            "restart; move it to module level (persistent tasks store callbacks by reference)"
        )
    ref = f"{module}:{qualname}"
    try:
        found = _resolve_name(ref)
    except UnresolvableReferenceError as error:
        raise NotPersistableError(f"callback {module}.{qualname}: {error}") from None
    if found is not callback and found != callback:
        raise NotPersistableError(
            f"callback {module}.{qualname} is not the object found at {ref!r}; "
            "persistent callbacks must be reachable by their module-level name"
        )
    return _dumps({"function": ref})


def _encode_entity_method(
    callback: Callable[..., Any], owner: object, registry: EntityRegistry
) -> str:
    kind = getattr(owner, "entity_kind", None)
    name = getattr(callback, "__name__", "?")
    if not isinstance(kind, str):
        raise NotPersistableError(
            f"callback {type(owner).__name__}.{name} is bound to a {type(owner).__name__} "
            "object, which is not a persistent entity (it needs entity_kind and entity_id); "
            "use a module-level function with the object's id as argument"
        )
    ident = _entity_ref(owner, kind, registry, f"callback {type(owner).__name__}.{name}")
    if getattr(owner, name, None) != callback:
        raise NotPersistableError(
            f"callback {type(owner).__name__}.{name} cannot be found again as "
            f"attribute {name!r} of entity {kind}:{ident[1]}"
        )
    return _dumps({"entity": ident, "method": name})


def _entity_ref(obj: object, kind: str, registry: EntityRegistry, where: str) -> list[Any]:
    entity_id = getattr(obj, "entity_id", None)
    if type(entity_id) not in (int, str):
        raise NotPersistableError(
            f"{where}: entity of kind {kind!r} has entity_id {entity_id!r}; it must be int or str"
        )
    if not registry.knows(kind):
        raise NotPersistableError(
            f"{where}: no finder is registered for entity kind {kind!r}, so it could not be "
            f"found again after a restart (entity_registry.register({kind!r}, finder))"
        )
    return [kind, entity_id]


def resolve_reference(ref: str, trusted_modules: Iterable[str] | None = None) -> Any:
    """Return the callable (function, class, method) a ``module:qualname`` reference names.

    With ``trusted_modules`` (module name prefixes) the whole path is checked: the module
    must be trusted, each step after it must be a class defined in a trusted module (no
    dunder steps), and the callable itself must be defined in one; so ``game.rooms:os.system``
    is refused although ``game.rooms`` is trusted. Raises :class:`UnresolvableReferenceError`
    saying why.
    """
    return _resolve_name(ref, trusted_modules)


def _trusted(module_name: object, allowed_modules: Iterable[str]) -> bool:
    return isinstance(module_name, str) and any(
        module_name == prefix or module_name.startswith(prefix + ".") for prefix in allowed_modules
    )


def _resolve_name(ref: str, allowed_modules: Iterable[str] | None = None) -> Any:
    module_name, _, qualname = ref.partition(":")
    if not module_name or not qualname:
        raise UnresolvableReferenceError(f"malformed reference {ref!r} (expected module:qualname)")
    trusted = tuple(allowed_modules) if allowed_modules is not None else None
    if trusted is not None and not _trusted(module_name, trusted):
        raise UnresolvableReferenceError(f"module {module_name!r} is not in the trusted modules")
    module = sys.modules.get(module_name)
    if module is None:
        try:
            module = importlib.import_module(module_name)
        except Exception as error:
            raise UnresolvableReferenceError(
                f"module {module_name!r} cannot be imported ({type(error).__name__}: {error})"
            ) from None
    found: Any = module
    parts = qualname.split(".")
    for index, part in enumerate(parts):
        if trusted is not None and index > 0:
            # Walk only through classes defined in trusted modules: `server:os.system` or
            # `server:log.manager...` must not lead out of them.
            _check_step(ref, ".".join(parts[:index]), found, trusted)
        if trusted is not None and part.startswith("__") and part.endswith("__"):
            raise UnresolvableReferenceError(f"{ref!r} names the special attribute {part!r}")
        try:
            found = getattr(found, part)
        except AttributeError:
            raise UnresolvableReferenceError(
                f"{qualname!r} no longer exists in module {module_name!r}"
            ) from None
    if not callable(found):
        raise UnresolvableReferenceError(f"{ref!r} is not callable")
    if trusted is not None and not _trusted(getattr(found, "__module__", None), trusted):
        raise UnresolvableReferenceError(
            f"{ref!r} is {_short_repr(found)}, defined in module "
            f"{getattr(found, '__module__', None)!r}, which is not in the trusted modules"
        )
    return found


def _check_step(ref: str, path: str, found: object, trusted: tuple[str, ...]) -> None:
    if not isinstance(found, type):
        raise UnresolvableReferenceError(
            f"{ref!r} walks through {path!r}, a {type(found).__name__}, not a class; a stored "
            "reference may name a function or a class's method only"
        )
    if not _trusted(found.__module__, trusted):
        raise UnresolvableReferenceError(
            f"{ref!r} walks through class {path!r} of module {found.__module__!r}, which is "
            "not in the trusted modules"
        )


def decode_callback(
    text: str, registry: EntityRegistry, allowed_modules: Iterable[str] | None = None
) -> Callable[..., Any]:
    """Turn a stored reference back into a live callable, or raise
    :class:`UnresolvableReferenceError` explaining what is missing."""
    try:
        ref = json.loads(text)
    except ValueError as error:
        raise UnresolvableReferenceError(f"callback reference is not valid JSON: {error}") from None
    if isinstance(ref, dict) and isinstance(ref.get("function"), str):
        found: Callable[..., Any] = _resolve_name(ref["function"], allowed_modules)
        return found
    if isinstance(ref, dict) and isinstance(ref.get("method"), str):
        kind, entity_id = _entity_pair(ref.get("entity"))
        name = ref["method"]
        if not name.isidentifier() or (name.startswith("__") and name.endswith("__")):
            raise UnresolvableReferenceError(f"{name!r} is not a method name one may store")
        entity = registry.find(kind, entity_id)
        method = getattr(entity, name, None)
        if not callable(method):
            raise UnresolvableReferenceError(f"entity {kind}:{entity_id} has no method {name!r}")
        trusted = tuple(allowed_modules) if allowed_modules is not None else None
        if trusted is not None and not _trusted(getattr(method, "__module__", None), trusted):
            raise UnresolvableReferenceError(
                f"method {name!r} of entity {kind}:{entity_id} is defined in module "
                f"{getattr(method, '__module__', None)!r}, which is not in the trusted modules"
            )
        return method  # type: ignore[no-any-return]
    raise UnresolvableReferenceError(f"unknown callback reference {text!r}")


def _entity_pair(value: object) -> tuple[str, int | str]:
    if (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], str)
        and type(value[1]) in (int, str)
    ):
        return value[0], value[1]
    raise UnresolvableReferenceError(f"malformed entity reference {value!r}")


# -- arguments ---------------------------------------------------------------------------------


def encode_arguments(
    args: tuple[Any, ...], kwargs: dict[str, Any], registry: EntityRegistry
) -> tuple[str, str]:
    """Return ``(args_json, kwargs_json)`` or raise :class:`NotPersistableError` naming the
    offending argument by its path, e.g. ``kwargs['items'][2]``."""
    args_json = "[]"
    if args:
        args_json = _dumps(
            [_encode_value(value, f"args[{i}]", registry) for i, value in enumerate(args)]
        )
    kwargs_json = "{}"
    if kwargs:
        kwargs_json = _dumps(
            {
                key: _encode_value(value, f"kwargs[{key!r}]", registry)
                for key, value in kwargs.items()
            }
        )
    return args_json, kwargs_json


def _encode_value(value: Any, path: str, registry: EntityRegistry) -> Any:
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise NotPersistableError(f"argument {path} is {value!r}; only finite floats persist")
        return value
    if kind is list:
        return [_encode_value(item, f"{path}[{i}]", registry) for i, item in enumerate(value)]
    if kind is tuple:
        items = [_encode_value(item, f"{path}[{i}]", registry) for i, item in enumerate(value)]
        return {"$tuple": items}
    if kind is dict:
        encoded = {}
        for key, item in value.items():
            if type(key) is not str:
                raise NotPersistableError(
                    f"argument {path} has the key {key!r} of type {type(key).__name__}; "
                    "persistent dict keys must be str"
                )
            encoded[key] = _encode_value(item, f"{path}[{key!r}]", registry)
        # A one-key dict whose key looks like a tag is wrapped so decoding cannot mistake it.
        if len(encoded) == 1 and next(iter(encoded)).startswith("$"):
            return {"$dict": encoded}
        return encoded
    entity_kind = getattr(value, "entity_kind", None)
    if isinstance(entity_kind, str):
        return {"$entity": _entity_ref(value, entity_kind, registry, f"argument {path}")}
    raise NotPersistableError(
        f"argument {path} is a {kind.__name__} ({_short_repr(value)}); "
        f"persistent tasks accept {_ACCEPTED}"
    )


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def decode_arguments(
    args_text: str, kwargs_text: str, registry: EntityRegistry
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Rebuild the positional and keyword arguments stored by :func:`encode_arguments`."""
    try:  # most calls have no keywords: skip parsing the empty object
        raw_args = json.loads(args_text) if args_text != "[]" else []
        raw_kwargs = json.loads(kwargs_text) if kwargs_text != "{}" else {}
    except ValueError as error:
        raise UnresolvableReferenceError(f"stored arguments are not valid JSON: {error}") from None
    return decode_parsed_arguments(raw_args, raw_kwargs, registry)


def decode_parsed_arguments(
    raw_args: Any, raw_kwargs: Any, registry: EntityRegistry
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """:func:`decode_arguments` for arguments whose JSON text is parsed already (many rows
    parsed in one go, as resuming durable flows does)."""
    if not isinstance(raw_args, list) or not isinstance(raw_kwargs, dict):
        raise UnresolvableReferenceError("stored arguments are not a list and a dict")
    args = tuple(_decode_value(item, registry) for item in raw_args)
    kwargs = {key: _decode_value(item, registry) for key, item in raw_kwargs.items()}
    return args, kwargs


def decode_value(value: Any, registry: EntityRegistry) -> Any:
    """Rebuild one value :func:`encode_arguments` encoded, from its parsed JSON."""
    return _decode_value(value, registry)


def _decode_value(value: Any, registry: EntityRegistry) -> Any:
    if isinstance(value, list):
        return [_decode_value(item, registry) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        tag, inner = next(iter(value.items()))
        if tag == "$tuple" and isinstance(inner, list):
            return tuple(_decode_value(item, registry) for item in inner)
        if tag == "$entity":
            return registry.find(*_entity_pair(inner))
        if tag == "$dict" and isinstance(inner, dict):
            return {key: _decode_value(item, registry) for key, item in inner.items()}
    return {key: _decode_value(item, registry) for key, item in value.items()}


def readable_name(callback_json: str) -> str:
    """A stored callback reference as listings show it: ``{"function": "a.b:f"}`` ->
    ``a.b.f``; an entity method -> ``account:7.msg``; anything unreadable, cut to 60."""
    try:
        ref = json.loads(callback_json)
        if isinstance(ref, dict) and "function" in ref:
            return str(ref["function"]).replace(":", ".")
        if isinstance(ref, dict) and "method" in ref:
            kind, entity_id = ref["entity"]
            return f"{kind}:{entity_id}.{ref['method']}"
    except Exception:
        pass
    return callback_json[:60]
