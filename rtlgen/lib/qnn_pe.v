// qnn library: qnn_pe
//
// One processing element: the SIMD lane products of a weight word and an
// input word, reduced to one sum (docs/dataflow.md "Lane product kinds").
// Lane s uses w_i[s*WBits +: WBits] and x_i[s*XBits +: XBits].
//
//   Kind 0 (xnor): 1-bit w and x, product XNOR(w, x); sum = popcount.
//   Kind 1 (w1):   1-bit w, unsigned x;   product w ? x : -x.
//   Kind 2 (x1):   signed w, 1-bit x;     product x ? w : -w.
//   Kind 3 (mul):  signed w, unsigned x;  product w * x.
//
// sum_o is SumWidth bits: unsigned for xnor, two's complement otherwise.
// Combinational.
module qnn_pe #(
  parameter integer Kind     = 0,
  parameter integer Simd     = 1,
  parameter integer WBits    = 1,
  parameter integer XBits    = 1,
  parameter integer SumWidth = 2
) (
  input  wire [Simd*WBits-1:0] w_i,
  input  wire [Simd*XBits-1:0] x_i,
  output wire [SumWidth-1:0]   sum_o
);

  // Width of one exact lane product.
  localparam integer ProdWidth = (Kind == 0) ? 1 :
                                 (Kind == 1) ? XBits + 1 :
                                 (Kind == 2) ? WBits + 1 : WBits + XBits + 1;

  generate
    if (Kind < 0 || Kind > 3) begin : gen_check_kind
      qnn_param_error_pe_kind_must_be_0_to_3 u_param_error ();
    end
    if (Simd < 1) begin : gen_check_simd
      qnn_param_error_pe_simd_must_be_positive u_param_error ();
    end
    if ((Kind == 0 || Kind == 1) && WBits != 1) begin : gen_check_wbits
      qnn_param_error_pe_kind_needs_1_bit_weights u_param_error ();
    end
    if ((Kind == 0 || Kind == 2) && XBits != 1) begin : gen_check_xbits
      qnn_param_error_pe_kind_needs_1_bit_inputs u_param_error ();
    end
    if (SumWidth < ProdWidth || SumWidth < 2) begin : gen_check_sum_width
      qnn_param_error_pe_sum_width_too_small u_param_error ();
    end
  endgenerate

  // Lane products, each extended to SumWidth bits (one signal per lane).
  genvar s;
  generate
    for (s = 0; s < Simd; s = s + 1) begin : gen_lane
      wire [WBits-1:0]    w = w_i[s*WBits +: WBits];
      wire [XBits-1:0]    x = x_i[s*XBits +: XBits];
      wire [SumWidth-1:0] prod;
      if (Kind == 0) begin : gen_xnor
        assign prod = {{(SumWidth-1){1'b0}}, ~(w[0] ^ x[0])};
      end else if (Kind == 1) begin : gen_w1
        wire [SumWidth-1:0] xe = {{(SumWidth-XBits){1'b0}}, x};
        assign prod = w[0] ? xe : ({SumWidth{1'b0}} - xe);
      end else if (Kind == 2) begin : gen_x1
        wire [SumWidth-1:0] we = {{(SumWidth-WBits){w[WBits-1]}}, w};
        assign prod = x[0] ? we : ({SumWidth{1'b0}} - we);
      end else begin : gen_mul
        wire signed [ProdWidth-1:0] wl = {{(ProdWidth-WBits){w[WBits-1]}}, w};
        wire signed [ProdWidth-1:0] xl = {{(ProdWidth-XBits){1'b0}}, x};
        wire signed [ProdWidth-1:0] p  = wl * xl;
        assign prod = {{(SumWidth-ProdWidth){p[ProdWidth-1]}}, p};
      end
    end
  endgenerate

  // Reduction: a binary adder tree in heap order. Node i adds nodes 2i+1
  // and 2i+2; nodes Simd-1 .. 2*Simd-2 are the lane products; node 0 is the
  // sum. Exact modulo 2^SumWidth, so exact whenever the sum fits.
  generate
    for (s = 0; s < 2 * Simd - 1; s = s + 1) begin : gen_node
      wire [SumWidth-1:0] v;
      if (s >= Simd - 1) begin : gen_leaf
        assign v = gen_lane[s-Simd+1].prod;
      end else begin : gen_add
        assign v = gen_node[2*s+1].v + gen_node[2*s+2].v;
      end
    end
  endgenerate

  assign sum_o = gen_node[0].v;

endmodule
