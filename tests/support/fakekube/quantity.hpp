// SPDX-License-Identifier: Apache-2.0
// Kubernetes quantities as apimachinery's pkg/api/resource reads and
// prints them ("500m", "5Gi", "1e3"): exact to the nano-unit, rounded up
// below it, with the API server's decoding errors. The one parser the
// admission checks, the scheduler and the simulated operator share.
#pragma once

#include "store.hpp"

#include <string>

namespace fakekube {

__extension__ using i128 = __int128;

enum class QFormat { decimal_si, binary_si, decimal_exponent };

struct Quantity {
  i128 nanos = 0;  // the value in units of 1e-9, rounded up
  QFormat format = QFormat::decimal_si;
};

// The message of a malformed quantity's 400 BadRequest.
extern const char* const k_quantity_regex;

// A quantity from its JSON form (a string or a number); 400 BadRequest
// with apimachinery's message when it is none.
Result<Quantity> quantity_of(const Json& v);
Result<Quantity> parse_quantity(std::string s);

// Quantity.String(): the canonical form ("1000m" -> "1", "1024Mi" -> "1Gi").
std::string canonical(const Quantity& q);

// Quantity.Value(): the value rounded up to an integer ("500m" -> 1).
long long quantity_value(const Quantity& q);
// Quantity.MilliValue(): thousandths, rounded up ("1Gi" -> 1073741824000).
long long quantity_milli(const Quantity& q);
// Quantity.AsApproximateFloat64().
double quantity_float(const Quantity& q);

}  // namespace fakekube
