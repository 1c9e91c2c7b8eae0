/// The OpenAPI 3 document of the API, sent at `GET /openapi.yaml`: the text of `openapi.yaml`
/// beside this file (a test checks that the two are identical; edit both).
enum OpenAPIDocument {
    static let yaml = #"""
# The HTTP API of `compactrec serve`. The server sends this document at GET /openapi.yaml from
# OpenAPIDocument.swift, which holds the same text (a test checks that the two are identical).
openapi: 3.0.3
info:
  title: CompactRec recommendation server
  version: "1"
  description: |
    Next-item recommendations from a trained CompactRec model. Item ids in and out are the
    original ids of the training data. A `score` is the item's log-probability as the next item
    (<= 0; exp(score) is its probability) under the model's softmax over the whole catalogue,
    for every output layer alike. Every refused request gets a 4xx with `{"error": "..."}`
    naming what was wrong.
paths:
  /v1/recommend:
    post:
      summary: The best next items after one history.
      operationId: recommend
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/RecommendRequest"}
      responses:
        "200":
          description: The items, best first.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/RecommendResponse"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "405": {$ref: "#/components/responses/MethodNotAllowed"}
        "408": {$ref: "#/components/responses/RequestTimeout"}
        "413": {$ref: "#/components/responses/ContentTooLarge"}
  /v1/recommend/batch:
    post:
      summary: The best next items after each of several histories, scored together.
      operationId: recommendBatch
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/BatchRequest"}
      responses:
        "200":
          description: One result per request, in order.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/BatchResponse"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "405": {$ref: "#/components/responses/MethodNotAllowed"}
        "408": {$ref: "#/components/responses/RequestTimeout"}
        "413": {$ref: "#/components/responses/ContentTooLarge"}
  /healthz:
    get:
      summary: Whether the server answers, and with which model.
      operationId: health
      responses:
        "200":
          description: Serving.
          content:
            application/json:
              schema:
                type: object
                required: [status, model]
                properties:
                  status: {type: string, enum: [ok]}
                  model: {$ref: "#/components/schemas/BundleId"}
  /v1/model:
    get:
      summary: The model being served.
      operationId: model
      responses:
        "200":
          description: Configuration, catalogue size, parameters and bytes per component, precision, bundle id.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ModelDescription"}
  /metrics:
    get:
      summary: Prometheus metrics.
      description: |
        compactrec_http_requests_total{route,status}, compactrec_http_request_duration_seconds{route}
        (a histogram), compactrec_http_requests_in_flight, compactrec_model_reloads_total{outcome},
        compactrec_batch_size (requests scored together per micro-batch).
      operationId: metrics
      responses:
        "200":
          description: The Prometheus text exposition format.
          content:
            text/plain:
              schema: {type: string}
  /openapi.yaml:
    get:
      summary: This document.
      operationId: openapi
      responses:
        "200":
          description: The OpenAPI document.
          content:
            application/yaml:
              schema: {type: string}
  /v1/admin/reload:
    post:
      summary: Read the model's bundle again, check it fully, and swap it in.
      description: |
        Answered only for loopback clients, or, if the server was started with an admin token,
        for requests with `Authorization: Bearer <token>`. Requests in flight finish on the
        previous model. A bundle that fails a check is refused (422) and the previous model
        keeps serving.
      operationId: reload
      responses:
        "200":
          description: The new model is serving.
          content:
            application/json:
              schema:
                type: object
                required: [status, previous, model]
                properties:
                  status: {type: string, enum: [swapped]}
                  previous: {$ref: "#/components/schemas/BundleId"}
                  model: {$ref: "#/components/schemas/BundleId"}
        "401": {$ref: "#/components/responses/Error"}
        "403": {$ref: "#/components/responses/Error"}
        "405": {$ref: "#/components/responses/MethodNotAllowed"}
        "422": {$ref: "#/components/responses/Error"}
components:
  schemas:
    BundleId:
      type: string
      description: The first 16 hexadecimal digits of the SHA-256 of the bundle's config.json.
      pattern: "^[0-9a-f]{16}$"
    RecommendRequest:
      type: object
      additionalProperties: false
      required: [history]
      properties:
        history:
          type: array
          description: Item ids, oldest first. Ids the model does not know are returned in `unknown` and skipped.
          minItems: 1
          maxItems: 1000
          items: {type: string, minLength: 1}
          example: ["12", "7", "31"]
        k:
          type: integer
          description: How many items to return (at most the model's catalogue; see GET /v1/model `items`).
          minimum: 1
          default: 10
        exclude_history:
          type: boolean
          description: Leave items of the history out of the answer.
          default: false
    RecommendResult:
      type: object
      required: [items, unknown]
      properties:
        items:
          type: array
          items: {$ref: "#/components/schemas/ScoredItem"}
        unknown:
          type: array
          description: History ids the model does not know, in the order given.
          items: {type: string}
    ScoredItem:
      type: object
      required: [id, score]
      properties:
        id: {type: string}
        score:
          type: number
          maximum: 0
          description: The log-probability of the item as the next one (exp(score) is its probability).
    RecommendResponse:
      allOf:
        - $ref: "#/components/schemas/RecommendResult"
        - type: object
          required: [model]
          properties:
            model: {$ref: "#/components/schemas/BundleId"}
    BatchRequest:
      type: object
      additionalProperties: false
      required: [requests]
      properties:
        requests:
          type: array
          minItems: 1
          maxItems: 256
          items: {$ref: "#/components/schemas/RecommendRequest"}
    BatchResponse:
      type: object
      required: [results, model]
      properties:
        results:
          type: array
          items: {$ref: "#/components/schemas/RecommendResult"}
        model: {$ref: "#/components/schemas/BundleId"}
    ModelDescription:
      type: object
      required: [model, items, precision, parameters, bytes, configuration]
      properties:
        model: {$ref: "#/components/schemas/BundleId"}
        directory: {type: string}
        format_version: {type: integer}
        verified: {type: boolean, description: Whether every file matched its recorded SHA-256.}
        items: {type: integer, description: The catalogue size (the largest k).}
        max_history_read: {type: integer, description: How many of a history's most recent items the model reads.}
        precision: {type: string, description: "float32, or each component's storage: input=int8,output=int8,encoder=int8", example: float32}
        parameters: {$ref: "#/components/schemas/Components"}
        bytes: {$ref: "#/components/schemas/Components"}
        compression_ratio: {type: number, description: Parameters of the uncompressed model over this one's.}
        bytes_ratio: {type: number, description: Bytes of the uncompressed Float32 model over this one's.}
        score: {type: string}
        configuration: {type: object}
        data: {type: object}
        metrics: {type: object}
        note: {type: string}
    Components:
      type: object
      properties:
        input: {type: integer}
        middle: {type: integer}
        output: {type: integer}
        total: {type: integer}
    Error:
      type: object
      required: [error]
      properties:
        error: {type: string, description: What was wrong and what was expected.}
  responses:
    Error:
      description: Refused.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    BadRequest:
      description: Malformed JSON, a wrong type, a missing or unknown field, an empty or over-long history, k out of range.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    MethodNotAllowed:
      description: The path exists but answers another method (see the Allow header).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    RequestTimeout:
      description: The body did not arrive in full within the request timeout.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    ContentTooLarge:
      description: The body is over the size limit.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}

"""#
}
