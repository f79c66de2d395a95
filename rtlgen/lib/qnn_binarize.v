// qnn library: qnn_binarize
//
// Input stage: turns InPix 8-bit pixels (pixel j at [8*j +: 8]) into InPix
// elements of Bits bits. Bits = 1: element j is the bit pixel >= Threshold
// (1 = +1, Threshold in 0..256); Bits = 8: the pixel itself. Combinational.
module qnn_binarize #(
  parameter integer InPix     = 1,
  parameter integer Bits      = 1,
  parameter integer Threshold = 128
) (
  input  wire [8*InPix-1:0]    pix_i,
  output wire [Bits*InPix-1:0] elem_o
);

  generate
    if (InPix < 1) begin : gen_check_inpix
      qnn_param_error_binarize_inpix_must_be_positive u_param_error ();
    end
    if (Bits != 1 && Bits != 8) begin : gen_check_bits
      qnn_param_error_binarize_bits_must_be_1_or_8 u_param_error ();
    end
    if (Threshold < 0 || Threshold > 256) begin : gen_check_threshold
      qnn_param_error_binarize_threshold_must_be_0_to_256 u_param_error ();
    end
  endgenerate

  localparam [8:0] Thr = Threshold[8:0];

  genvar j;
  generate
    if (Bits == 1) begin : gen_binarize
      for (j = 0; j < InPix; j = j + 1) begin : gen_pix
        assign elem_o[j] = ({1'b0, pix_i[8*j +: 8]} >= Thr);
      end
    end else begin : gen_pass
      assign elem_o = pix_i;
    end
  endgenerate

endmodule
