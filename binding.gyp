# node-gyp build of the addon: the fallback when no prebuild in prebuilds/ loads (node-gyp-build runs it at install).
# The primary build is CMakeLists.txt (cmake-js); both compile native/*.cc the same way.
#   TFLITE_HEADERS  the TensorFlow 2.14.1 source root (`bash scripts/build-tflite.sh headers` fetches and prints it);
#                   default .tflite-build/src/tensorflow-2.14.1
#   FLATBUFFERS_INCLUDE  flatbuffers 23.5.26's include dir (TFLite's schema accessors need it); default: the one
#                   `headers` extracts beside the TensorFlow tree
#   TFLITE_LIB_DIR  the folder holding libtensorflowlite_c.so (`bash scripts/build-tflite.sh build` makes one);
#                   default prebuilds/<platform>-<arch>
# The library is copied beside the addon (build/Release), which finds it there at run time (rpath $ORIGIN).
{
  "variables": {
    "tflite_headers%": "<!(node -e \"const p = require('path').resolve(process.env.TFLITE_HEADERS || '.tflite-build/src/tensorflow-2.14.1'); if (!require('fs').existsSync(p + '/tensorflow/lite/c/c_api.h')) { console.error('tflite-runtime: no prebuilt addon loads here, and building one needs the TensorFlow 2.14.1 headers: set TFLITE_HEADERS to its source root (bash scripts/build-tflite.sh headers), not found in ' + p); process.exit(1); } console.log(p)\")",
    "flatbuffers_include%": "<!(node -e \"const path = require('path'); const p = path.resolve(process.env.FLATBUFFERS_INCLUDE || path.join(process.env.TFLITE_HEADERS || '.tflite-build/src/tensorflow-2.14.1', '..', 'flatbuffers-23.5.26+dfsg', 'include')); if (!require('fs').existsSync(p + '/flatbuffers/flatbuffers.h')) { console.error('tflite-runtime: building the addon needs the flatbuffers 23.5.26 headers: set FLATBUFFERS_INCLUDE (bash scripts/build-tflite.sh headers extracts them), not found in ' + p); process.exit(1); } console.log(p)\")",
    "tflite_lib_dir%": "<!(node -p \"process.env.TFLITE_LIB_DIR || require('path').resolve('prebuilds', process.platform + '-' + process.arch)\")"
  },
  "targets": [
    {
      "target_name": "tflite_runtime",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native').filter((f) => f.endsWith('.cc')).sort().map((f) => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(tflite_headers)",
        "<(flatbuffers_include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++14", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fvisibility=hidden", "-Wall", "-Wextra",
                    "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-L<(tflite_lib_dir)", "-ltensorflowlite_c", "-ldl"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'"],
      "copies": [
        {
          "destination": "<(PRODUCT_DIR)",
          "files": ["<(tflite_lib_dir)/libtensorflowlite_c.so"]
        }
      ]
    }
  ]
}
