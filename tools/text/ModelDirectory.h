//===- ModelDirectory.h - what a translation model directory holds -*- C++ -*-===//
//
// The directory loom-train writes and loom-translate reads (INTERFACES.md
// §6): the compiled library and its header (loomc compile -o DIR), the
// SentencePiece model, the training checkpoint and the trainer's state.
//
//   DIR/lib<name>.so, DIR/<name>.h   loomc compile SPEC -o DIR
//   DIR/sentencepiece.model          the joint source/target subword model
//   DIR/checkpoint.safetensors       weights + Adam state (NAME_save_checkpoint)
//   DIR/trainer.json                 loom-train's position (epoch, data order)
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXT_MODELDIRECTORY_H
#define LOOM_TOOLS_TEXT_MODELDIRECTORY_H

#include <string>

namespace loom::model_directory {

inline const char *const kTokenizer = "sentencepiece.model";
inline const char *const kCheckpoint = "checkpoint.safetensors";
inline const char *const kTrainerState = "trainer.json";

inline std::string file(const std::string &dir, const char *name) {
  return dir + "/" + name;
}

} // namespace loom::model_directory

#endif // LOOM_TOOLS_TEXT_MODELDIRECTORY_H
