//===- SpecImporter.h - ModelSpec -> unfused loom IR ------------*- C++ -*-===//
#ifndef LOOM_IMPORT_SPECIMPORTER_H
#define LOOM_IMPORT_SPECIMPORTER_H

#include "Import/ModelSpec.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace loom {

/// Builds a module holding `func.func @forward` made of unfused loom ops that
/// computes what loom_reference.py's LoomReference.forward computes for
/// `spec`. The module carries the spec as the `loom.spec` dictionary.
mlir::OwningOpRef<mlir::ModuleOp> importModelSpec(mlir::MLIRContext &context,
                                                  const ModelSpec &spec);

} // namespace loom

#endif // LOOM_IMPORT_SPECIMPORTER_H
