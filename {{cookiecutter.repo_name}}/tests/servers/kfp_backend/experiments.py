"""The experiment endpoints: create, get, list, delete, archive and unarchive.

Handlers take the `Backend` and a decoded `Request` and return a `Response` or raise one of the
error types in `errors`. Which check runs first decides which error a client sees, so each
follows its Go handler at backend tag 2.17.0 step by step; messages and their wrapping likewise.
"""

from __future__ import annotations

import kfp_server_api as api

from . import errors, listing
from .api_objects import api_experiment, ok
from .backend import Backend
from .checks import check_model_lengths, list_options
from .errors import ApiError, Response
from .request import Request, proto_keys
from .store import ExperimentRecord

EXPERIMENT_BODY = proto_keys(
    "experiment_id",
    "display_name",
    "description",
    "created_at",
    "namespace",
    "storage_state",
    "last_run_created_at",
)


def create_experiment(backend: Backend, request: Request) -> Response:
    """POST /apis/v2beta1/experiments; name and namespace unique together, archived included."""
    body = request.json_body(EXPERIMENT_BODY)
    name = body.get("display_name") or ""
    namespace = body.get("namespace") or ""
    try:
        try:
            if not name:
                raise errors.internal_error(
                    "Invalid input error: Experiment must have a non-empty name",
                    "Failed to convert API experiment to model experiment",
                )
            check_model_lengths("Experiment", Name=(name, 128), Namespace=(namespace, 63))
        except ApiError as exc:
            raise exc.wrap(
                "[ExperimentServer]: Failed to create a experiment due to conversion error"
            ) from None
        namespace = backend.namespace(namespace)
        if backend.multi_user and not namespace:
            raise errors.invalid_input(
                "An experiment cannot have an empty namespace in multi-user mode"
            ).wrap("Failed to authorize the request")
        experiment = backend.store.insert_experiment(
            ExperimentRecord("", name, body.get("description") or "", namespace, 0)
        )
    except ApiError as exc:
        raise exc.wrap("Failed to create a experiment") from None
    return ok(api_experiment(experiment))


def get_experiment(backend: Backend, request: Request) -> Response:
    experiment_id = request.params["experiment_id"]
    try:
        return ok(api_experiment(backend.store.get_experiment(experiment_id)))
    except ApiError as exc:
        raise exc.wrap("Failed to fetch experiment") from None


def list_experiments(backend: Backend, request: Request) -> Response:
    try:
        options = list_options(listing.EXPERIMENTS, request, None)
    except ApiError as exc:
        raise exc.wrap("Failed to create list options") from None
    namespace = backend.namespace(request.arg("namespace"))
    if backend.multi_user and not namespace:
        raise (
            errors.invalid_input("An experiment cannot have an empty namespace in multi-user mode")
            .wrap("Failed to authorize with API")
            .wrap("List experiments failed")
        )
    rows = backend.store.experiments_in(namespace)
    page, total, token = listing.paginate(listing.EXPERIMENTS, rows, options)
    return ok(
        api.V2beta1ListExperimentsResponse(
            experiments=[api_experiment(e) for e in page], total_size=total, next_page_token=token
        )
    )


def delete_experiment(backend: Backend, request: Request) -> Response:
    """DELETE /apis/v2beta1/experiments/{id}; the default experiment is protected (409)."""
    experiment_id = request.params["experiment_id"]
    try:
        with backend.store.lock:
            if experiment_id and experiment_id == backend.store.default_experiment_id:
                message = (
                    f"Failed to delete experiment {experiment_id}. The default experiment cannot "
                    "be deleted"
                )
                raise errors.ApiError(
                    errors.ABORTED,
                    f"BadRequestError: {message}: Invalid input error: Experiment id cannot be "
                    f"equal to the default id {experiment_id}",
                    message,
                )
            try:
                backend.store.get_experiment(experiment_id)
            except ApiError as exc:
                raise exc.wrap(
                    f"Failed to delete experiment {experiment_id} due to error fetching it"
                ) from None
            del backend.store.experiments[experiment_id]
    except ApiError as exc:
        raise exc.wrap("Failed to delete experiment") from None
    return Response.json(200, {})


def archive_experiment(backend: Backend, request: Request) -> Response:
    return _set_storage_state(backend, request, "ARCHIVED", "archive")


def unarchive_experiment(backend: Backend, request: Request) -> Response:
    return _set_storage_state(backend, request, "AVAILABLE", "unarchive")


def _set_storage_state(backend: Backend, request: Request, state: str, verb: str) -> Response:
    """An UPDATE by id: like the SQL statement, an unknown id changes nothing and succeeds."""
    with backend.store.lock:
        experiment = backend.store.experiments.get(request.params["experiment_id"])
        if experiment is not None:
            experiment.storage_state = state
    return Response.json(200, {})
