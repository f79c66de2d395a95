// Test bench of qnn_pe: every kind against a behavioural model, random
// operands. Prints PASS or FAIL lines.
module qnn_pe_tb;
  localparam integer Simd = 5;
  localparam integer KW   = 3;  // k-bit weight width
  localparam integer KX   = 4;  // k-bit (unsigned) input width

  reg  [Simd-1:0]    w1, x1;
  reg  [Simd*KW-1:0] wk;
  reg  [Simd*KX-1:0] xk;
  wire [3:0]         s_xnor;
  wire [7:0]         s_w1, s_x1, s_mul;

  qnn_pe #(.Kind(0), .Simd(Simd), .WBits(1),  .XBits(1),  .SumWidth(4)) u_xnor (.w_i(w1), .x_i(x1), .sum_o(s_xnor));
  qnn_pe #(.Kind(1), .Simd(Simd), .WBits(1),  .XBits(KX), .SumWidth(8)) u_w1   (.w_i(w1), .x_i(xk), .sum_o(s_w1));
  qnn_pe #(.Kind(2), .Simd(Simd), .WBits(KW), .XBits(1),  .SumWidth(8)) u_x1   (.w_i(wk), .x_i(x1), .sum_o(s_x1));
  qnn_pe #(.Kind(3), .Simd(Simd), .WBits(KW), .XBits(KX), .SumWidth(8)) u_mul  (.w_i(wk), .x_i(xk), .sum_o(s_mul));

  integer n, s, errors, e_xnor, e_w1, e_x1, e_mul, wv, xv;
  integer seed;

  initial begin
    errors = 0;
    seed = 1;
    for (n = 0; n < 3000; n = n + 1) begin
      w1 = $random(seed);
      x1 = $random(seed);
      wk = $random(seed);
      xk = $random(seed);
      #1;
      e_xnor = 0; e_w1 = 0; e_x1 = 0; e_mul = 0;
      for (s = 0; s < Simd; s = s + 1) begin
        wv = wk[s*KW +: KW];
        if (wv >= (1 << (KW - 1))) wv = wv - (1 << KW);
        xv = xk[s*KX +: KX];
        e_xnor = e_xnor + ((w1[s] == x1[s]) ? 1 : 0);
        e_w1   = e_w1 + (w1[s] ? xv : -xv);
        e_x1   = e_x1 + (x1[s] ? wv : -wv);
        e_mul  = e_mul + wv * xv;
      end
      if (s_xnor !== e_xnor[3:0] || s_w1 !== e_w1[7:0] || s_x1 !== e_x1[7:0] || s_mul !== e_mul[7:0]) begin
        if (errors < 5) $display("FAIL w1=%b x1=%b wk=%h xk=%h: got %0d %0d %0d %0d want %0d %0d %0d %0d",
                                 w1, x1, wk, xk, s_xnor, $signed(s_w1), $signed(s_x1), $signed(s_mul),
                                 e_xnor, e_w1, e_x1, e_mul);
        errors = errors + 1;
      end
    end
    if (errors == 0) $display("PASS qnn_pe_tb");
    else $display("FAIL qnn_pe_tb: %0d errors", errors);
    $finish;
  end
endmodule
