"""The Python peer of nnzserve for Server/load.sh: FastAPI + uvicorn + onnxruntime serving one
ONNX model with the same API shape (POST /v1/models/{name}/predict with {"rows": [[...]]},
answering {"model", "predictions": [{"probabilities": {label: p}, "predicted": label}]}).

    ORT_MODEL=digits_mlp.onnx ORT_LABELS=0,1,2,3,4,5,6,7,8,9 \
      uvicorn ort_server:app --app-dir Server/bench --port 8081 --workers 2 --loop uvloop --http httptools

One worker per core, one ORT thread per worker (so workers do not oversubscribe the cores).
Two apps over the same session:

  app         tuned: the raw body parsed and the answer written with orjson, no validation
              layer (the fastest FastAPI server we could write)
  plain_app   FastAPI as its tutorial teaches: a pydantic body model (`rows: list[list[float]]`)
              and a returned dict (FastAPI's own validation and JSON encoding)
"""
import os

import numpy as np
import onnxruntime as ort
import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

MODEL = os.environ.get("ORT_MODEL", "digits_mlp.onnx")
NAME = os.environ.get("ORT_NAME", "digits")
options = ort.SessionOptions()
options.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "1"))
options.inter_op_num_threads = 1
session = ort.InferenceSession(MODEL, options, providers=["CPUExecutionProvider"])
INPUT = session.get_inputs()[0].name
WIDTH = session.get_inputs()[0].shape[1]
OUTPUTS = session.get_outputs()[0].shape[1]
LABELS = os.environ.get("ORT_LABELS", ",".join(str(i) for i in range(OUTPUTS))).split(",")

app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/v1/models/{name}/predict")
async def predict(name: str, request: Request):
    if name != NAME:
        raise HTTPException(404, f"unknown model '{name}'")
    try:
        body = orjson.loads(await request.body())
        rows = np.asarray(body["rows"], dtype=np.float32)
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise HTTPException(400, str(error))
    if rows.ndim != 2 or rows.shape[1] != WIDTH or not np.isfinite(rows).all():
        raise HTTPException(400, f"rows must be finite arrays of {WIDTH} numbers")
    scores = session.run(None, {INPUT: rows})[0]
    best = scores.argmax(axis=1)
    predictions = [
        {"probabilities": dict(zip(LABELS, row)), "predicted": LABELS[b]}
        for row, b in zip(scores.tolist(), best.tolist())
    ]
    return Response(orjson.dumps({"model": NAME, "predictions": predictions}), media_type="application/json")


plain_app = FastAPI()


class Rows(BaseModel):
    rows: list[list[float]]


@plain_app.get("/healthz")
def plain_healthz():
    return {"status": "ok"}


@plain_app.post("/v1/models/{name}/predict")
def plain_predict(name: str, body: Rows):
    if name != NAME:
        raise HTTPException(404, f"unknown model '{name}'")
    rows = np.asarray(body.rows, dtype=np.float32)
    if rows.ndim != 2 or rows.shape[1] != WIDTH or not np.isfinite(rows).all():
        raise HTTPException(400, f"rows must be finite arrays of {WIDTH} numbers")
    scores = session.run(None, {INPUT: rows})[0]
    best = scores.argmax(axis=1)
    return {"model": NAME, "predictions": [
        {"probabilities": dict(zip(LABELS, row)), "predicted": LABELS[b]}
        for row, b in zip(scores.tolist(), best.tolist())]}
