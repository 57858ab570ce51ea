#!/usr/bin/env python3
"""Synthetic Arazzo + OpenAPI documents for benches/build_cost/run.sh (issue 11, items 4 and 5).

    gen.py workflows N DIR        DIR/doc.arazzo.yml: N three-step workflows over DIR/api.openapi.yml
    gen.py large-openapi BYTES DIR  DIR/doc.arazzo.yml: one three-step workflow over an OpenAPI
                                    file of at least BYTES bytes (DIR/api.openapi.yml)
    gen.py vendor OPENAPI.json DIR  DIR/doc.arazzo.yml: one three-step workflow over a vendor
                                    OpenAPI file, read where it is (never copied)

Deterministic: the same arguments write the same bytes. Only the standard library, so the
script needs nothing installed. The workflows are the petstore example's shape (query
parameter, path parameter, JSON body; success criteria; step and workflow outputs), each with
its own output names so no two workflows have identical input/output types.
"""

import sys
from pathlib import Path

# Three operations every document calls; the large variant adds filler resources after them.
SMALL_PATHS = """\
  /pets:
    get:
      operationId: findPetsByStatus
      parameters:
        - name: status
          in: query
          required: true
          schema:
            type: string
            enum: [available, pending, sold]
      responses:
        '200':
          description: The matching pets.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Pet'
  /pets/{petId}:
    get:
      operationId: getPetById
      parameters:
        - name: petId
          in: path
          required: true
          schema:
            type: integer
      responses:
        '200':
          description: The pet.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
        '404':
          description: No such pet.
  /store/orders:
    post:
      operationId: placeOrder
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [petId, quantity]
              properties:
                petId:
                  type: integer
                quantity:
                  type: integer
                  minimum: 1
      responses:
        '201':
          description: The order was placed.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Order'
"""

SMALL_SCHEMAS = """\
    Pet:
      type: object
      required: [id, name, status, price]
      properties:
        id:
          type: integer
        name:
          type: string
        status:
          type: string
          enum: [available, pending, sold]
        price:
          type: number
    Order:
      type: object
      required: [id, petId, quantity, status, total]
      properties:
        id:
          type: string
        petId:
          type: integer
        quantity:
          type: integer
        status:
          type: string
          enum: [placed, approved, delivered]
        total:
          type: number
"""

HEADER = """\
openapi: 3.1.0
info:
  title: Synthetic petstore
  version: 1.0.0
servers:
  - url: http://127.0.0.1:8080/v1
paths:
"""


def filler_resource(i):
    """One vendor-like resource: list/get/update/delete with parameters and a 12-field schema."""
    name = f"Resource{i}"
    props = "".join(
        f"        field{j}:\n          type: {'string' if j % 3 else 'integer'}\n"
        f"          description: Field {j} of resource {i}, as a vendor description documents it.\n"
        for j in range(12)
    )
    paths = f"""\
  /resources{i}:
    get:
      operationId: list{name}
      summary: Lists resource {i} items, paged.
      parameters:
        - name: top
          in: query
          schema:
            type: integer
        - name: skipToken
          in: query
          schema:
            type: string
      responses:
        '200':
          description: A page of items.
          content:
            application/json:
              schema:
                type: object
                properties:
                  value:
                    type: array
                    items:
                      $ref: '#/components/schemas/{name}'
                  nextLink:
                    type: string
  /resources{i}/{{id}}:
    get:
      operationId: get{name}
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: The item.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/{name}'
        default:
          description: An error.
    put:
      operationId: put{name}
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      requestBody:
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/{name}'
      responses:
        '200':
          description: The updated item.
    delete:
      operationId: delete{name}
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        '204':
          description: Deleted.
"""
    schema = f"    {name}:\n      type: object\n      properties:\n{props}"
    return paths, schema


def openapi(min_bytes):
    paths, schemas = [SMALL_PATHS], [SMALL_SCHEMAS]
    size = len(HEADER) + len(SMALL_PATHS) + len(SMALL_SCHEMAS) + 20
    i = 0
    while size < min_bytes:
        p, s = filler_resource(i)
        paths.append(p)
        schemas.append(s)
        size += len(p) + len(s)
        i += 1
    return HEADER + "".join(paths) + "components:\n  schemas:\n" + "".join(schemas)


def workflow(i):
    return f"""\
  - workflowId: buy-pet-{i}
    summary: Synthetic workflow {i}, the petstore example's three steps.
    inputs:
      type: object
      required: [status, quantity{i}]
      properties:
        status:
          type: string
        quantity{i}:
          type: integer
    steps:
      - stepId: findPets
        operationId: findPetsByStatus
        parameters:
          - name: status
            in: query
            value: $inputs.status
        successCriteria:
          - condition: $statusCode == 200
        outputs:
          petId: $response.body#/0/id
      - stepId: getPet
        operationId: getPetById
        parameters:
          - name: petId
            in: path
            value: $steps.findPets.outputs.petId
        successCriteria:
          - condition: $statusCode == 200
          - condition: $response.body#/status == 'available'
        outputs:
          name{i}: $response.body#/name
          price: $response.body#/price
      - stepId: placeOrder
        operationId: placeOrder
        requestBody:
          contentType: application/json
          payload:
            petId: $steps.findPets.outputs.petId
            quantity: $inputs.quantity{i}
        successCriteria:
          - condition: $statusCode == 201
        outputs:
          orderId{i}: $response.body#/id
          total: $response.body#/total
    outputs:
      petName{i}: $steps.getPet.outputs.name{i}
      price: $steps.getPet.outputs.price
      orderId{i}: $steps.placeOrder.outputs.orderId{i}
      total: $steps.placeOrder.outputs.total
"""


def arazzo(n):
    head = """\
arazzo: 1.0.1
info:
  title: Synthetic workflows
  version: 1.0.0
sourceDescriptions:
  - name: petstore
    url: ./api.openapi.yml
    type: openapi
workflows:
"""
    return head + "".join(workflow(i) for i in range(n))


def vendor(openapi_path):
    """Three GET operations of a vendor file that take no parameters and no body, so the
    workflow needs no inputs; JSON only (the standard library has no YAML reader)."""
    import json

    doc = json.loads(Path(openapi_path).read_text())
    ops = [
        op["operationId"]
        for item in doc.get("paths", {}).values()
        if isinstance(item, dict) and "parameters" not in item
        for method, op in item.items()
        if method == "get" and isinstance(op, dict) and "operationId" in op
        and not op.get("parameters") and "requestBody" not in op
    ][:3]
    if len(ops) < 3:
        sys.exit(f"{openapi_path}: fewer than three GET operations without parameters")
    steps = "".join(
        f"""\
      - stepId: step{k}
        operationId: {op}
        successCriteria:
          - condition: $statusCode == 200
"""
        for k, op in enumerate(ops)
    )
    return f"""\
arazzo: 1.0.1
info:
  title: Three steps against a vendor OpenAPI file
  version: 1.0.0
sourceDescriptions:
  - name: vendor
    url: {Path(openapi_path).resolve()}
    type: openapi
workflows:
  - workflowId: three-steps
    steps:
{steps}"""


def main(argv):
    if len(argv) != 4 or argv[1] not in ("workflows", "large-openapi", "vendor"):
        sys.exit(__doc__)
    out = Path(argv[3])
    out.mkdir(parents=True, exist_ok=True)
    if argv[1] == "vendor":
        (out / "doc.arazzo.yml").write_text(vendor(argv[2]))
        return
    count = int(argv[2])
    if argv[1] == "workflows":
        (out / "api.openapi.yml").write_text(openapi(0))
        (out / "doc.arazzo.yml").write_text(arazzo(count))
    else:
        (out / "api.openapi.yml").write_text(openapi(count))
        (out / "doc.arazzo.yml").write_text(arazzo(1))


if __name__ == "__main__":
    main(sys.argv)
